package aliexpress

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"mime/multipart"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/adapters/aliexpress/aliexpresswire"
	"github.com/returnsgw/returnsgw/returns"
)

var _ returns.EvidenceUploader = (*Adapter)(nil)

// imageExtension is the extension the image upload is told for a sniffed
// content type, "" for what it does not take.
func imageExtension(contentType string) string {
	switch contentType {
	case "image/jpeg":
		return "jpg"
	case "image/png":
		return "png"
	case "image/gif":
		return "gif"
	}
	return ""
}

// UploadsEvidence reports whether aliexpress.issue.image.upload takes a file
// of the type: JPEG, PNG and GIF images. Other evidence (PDF, text, WebP)
// stays with the gateway and is named in the escalation's record.
func (a *Adapter) UploadsEvidence(contentType string) bool { return imageExtension(contentType) != "" }

// escalate asks AliExpress to mediate: every image of the evidence goes up
// with aliexpress.issue.image.upload, then
// aliexpress.issue.redefining.sellersubmitarbi carries the statement. An
// image the platform would refuse (too large) is refused here, before any
// call, so that nothing is half sent for a reason known in advance.
func (a *Adapter) escalate(ctx context.Context, c *returns.Case, buyer string, req returns.ActionRequest) (returns.Status, error) {
	statement := strings.TrimSpace(req.Note)
	if statement == "" {
		return "", returns.Errorf(returns.CodeInvalid, "AliExpress needs the seller's statement to start a mediation").WithField("statement")
	}
	if utf8.RuneCountInString(statement) > aliexpresswire.MaxArbiContent {
		return "", returns.Errorf(returns.CodeInvalid, "AliExpress takes a statement of at most %d characters", aliexpresswire.MaxArbiContent).WithField("statement")
	}
	var images []returns.EvidenceFile
	for _, f := range req.Evidence {
		if !a.UploadsEvidence(f.ContentType) {
			continue
		}
		if len(f.Data) > aliexpresswire.MaxImageBytes {
			return "", returns.Errorf(returns.CodeInvalid, "AliExpress takes images of at most %d bytes; %s is larger", aliexpresswire.MaxImageBytes, f.Name).WithField("evidenceIds")
		}
		images = append(images, f)
	}
	for _, f := range images {
		if err := a.imageUpload(ctx, c.PlatformCaseID, buyer, imageExtension(f.ContentType), f.Data); err != nil {
			return "", err
		}
	}
	reason := aliexpresswire.ArbiReasonNotAsDescribed
	if c.Reason == returns.ReasonNotReceived {
		reason = aliexpresswire.ArbiReasonNotReceived
	}
	var resp aliexpresswire.ResultResponse
	if err := a.call(ctx, aliexpresswire.MethodSellerSubmitArbi, map[string]string{
		aliexpresswire.ParamIssueID:     c.PlatformCaseID,
		aliexpresswire.ParamArbiReason:  reason,
		aliexpresswire.ParamArbiContent: statement,
	}, true, &resp); err != nil {
		return "", err
	}
	if !resp.ResultObject {
		return "", &adapters.PlatformError{Platform: a.ID(), Method: aliexpresswire.MethodSellerSubmitArbi, Kind: adapters.KindInvalid,
			Message: "the platform did not accept the mediation request (result_object false)"}
	}
	return returns.StatusEscalated, nil
}

// imageUpload sends one image as multipart/form-data: the signed parameters
// as form fields, the image as the part image_bytes (not signed).
func (a *Adapter) imageUpload(ctx context.Context, issueID, buyer, ext string, data []byte) error {
	method := aliexpresswire.MethodIssueImageUpload
	var b [12]byte
	rand.Read(b[:])
	boundary := "rgw" + hex.EncodeToString(b[:])
	var resp aliexpresswire.ResultResponse
	typ := reflect.TypeOf(resp)
	body, err := a.client.Do(ctx, adapters.Call{
		Method:      method,
		URL:         a.cfg.BaseURL + aliexpresswire.SyncPath + "?" + url.Values{aliexpresswire.ParamMethod: {method}}.Encode(),
		ContentType: "multipart/form-data; boundary=" + boundary,
		Write:       true,
		Build: func() ([]byte, error) {
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			if err := mw.SetBoundary(boundary); err != nil {
				return nil, err
			}
			for k, v := range a.params(method, map[string]string{
				aliexpresswire.ParamIssueID: issueID, aliexpresswire.ParamBuyerLoginID: buyer, aliexpresswire.ParamExtension: ext,
			}) {
				if err := mw.WriteField(k, v); err != nil {
					return nil, err
				}
			}
			fw, err := mw.CreateFormFile(aliexpresswire.ParamImageBytes, "evidence."+ext)
			if err != nil {
				return nil, err
			}
			if _, err := fw.Write(data); err != nil {
				return nil, err
			}
			if err := mw.Close(); err != nil {
				return nil, err
			}
			return buf.Bytes(), nil
		},
		Decode: func(status int, _ http.Header, b []byte) error {
			return decodeResponse(method, b, reflect.New(typ).Interface())
		},
	})
	if err != nil {
		return err
	}
	if err := decodeResponse(method, body, &resp); err != nil {
		return err
	}
	if !resp.ResultObject {
		return &adapters.PlatformError{Platform: a.ID(), Method: method, Kind: adapters.KindInvalid,
			Message: "the platform did not accept the image (result_object false)"}
	}
	return nil
}
