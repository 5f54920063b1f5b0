package aliexpresssim

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/returnsgw/returnsgw/adapters/aliexpress/aliexpresswire"
)

// Image is an evidence image the seller uploaded to an issue.
type Image struct {
	Extension string
	Size      int
	SHA256    string
}

// Arbitration is the seller's request for mediation, as the simulator got it.
type Arbitration struct {
	Reason, Content string
	Images          []Image // uploaded before the request, attached to it
}

// sniffed are the extensions an image's bytes agree with.
var sniffed = map[string][]string{"image/jpeg": {"jpg", "jpeg"}, "image/png": {"png"}, "image/gif": {"gif"}}

// aliexpress.issue.image.upload: the image waits on the issue for the
// seller's next mediation request, which it is attached to.
func (s *Server) imageUpload(p map[string]string, file []byte) (any, *apiError) {
	ext := strings.ToLower(p[aliexpresswire.ParamExtension])
	switch {
	case ext == "":
		return nil, missing(aliexpresswire.ParamExtension)
	case !aliexpresswire.ImageExtensions[ext]:
		return nil, invalid(aliexpresswire.ParamExtension, "jpg, jpeg, png or gif")
	case len(file) == 0:
		return nil, missing(aliexpresswire.ParamImageBytes)
	case len(file) > aliexpresswire.MaxImageBytes:
		return nil, invalid(aliexpresswire.ParamImageBytes, "the image is larger than 5 MB")
	}
	ok := false
	for _, e := range sniffed[http.DetectContentType(file)] {
		ok = ok || e == ext
	}
	if !ok {
		return nil, invalid(aliexpresswire.ParamImageBytes, "the bytes are not a "+ext+" image")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	is, e := s.lookup(p)
	if e != nil {
		return nil, e
	}
	if is.status != aliexpresswire.IssueProcessing {
		return nil, badState("the issue is " + is.status)
	}
	sum := sha256.Sum256(file)
	is.pendingImages = append(is.pendingImages, Image{Extension: ext, Size: len(file), SHA256: hex.EncodeToString(sum[:])})
	return aliexpresswire.ResultResponse{ResultObject: true, RequestID: s.requestID()}, nil
}

// aliexpress.issue.redefining.sellersubmitarbi: the seller asks the platform
// to mediate while the buyer has not taken the seller's proposal, or over
// the goods that came back. The issue waits for AliExpress.
func (s *Server) sellerSubmitArbi(p map[string]string) (any, *apiError) {
	id, reason, content := p[aliexpresswire.ParamIssueID], p[aliexpresswire.ParamArbiReason], strings.TrimSpace(p[aliexpresswire.ParamArbiContent])
	switch {
	case id == "":
		return nil, missing(aliexpresswire.ParamIssueID)
	case reason == "":
		return nil, missing(aliexpresswire.ParamArbiReason)
	case reason != aliexpresswire.ArbiReasonNotAsDescribed && reason != aliexpresswire.ArbiReasonNotReceived:
		return nil, invalid(aliexpresswire.ParamArbiReason, "noMatchDesc or notReceived")
	case content == "":
		return nil, missing(aliexpresswire.ParamArbiContent)
	case utf8.RuneCountInString(content) > aliexpresswire.MaxArbiContent:
		return nil, invalid(aliexpresswire.ParamArbiContent, "at most 2000 characters")
	}
	s.mu.Lock()
	is, ok := s.issues[id]
	if !ok {
		s.mu.Unlock()
		return nil, notFound()
	}
	if is.status != aliexpresswire.IssueProcessing ||
		(is.rds != aliexpresswire.RDWaitBuyerResponse && is.rds != aliexpresswire.RDWaitSellerConfirmation) {
		s.mu.Unlock()
		return nil, badState("the issue is " + is.status + "/" + is.rds + "; the seller may ask for mediation only while the buyer has not taken the seller's proposal or over the returned goods")
	}
	now := s.opts.Now()
	is.rds, is.timeoutType, is.timeoutAt = aliexpresswire.RDWaitAEFeedback, "", timeZero
	s.addProcess(is, aliexpresswire.ActSellerInitiateArbitration, aliexpresswire.RoleSeller, content, now)
	is.process[len(is.process)-1].attachments = len(is.pendingImages)
	is.arbitration = &Arbitration{Reason: reason, Content: content, Images: is.pendingImages}
	is.pendingImages = nil
	id = is.id
	resp := aliexpresswire.ResultResponse{ResultObject: true, RequestID: s.requestID()}
	s.mu.Unlock()
	s.notify(id)
	return resp, nil
}

// ArbitrationOf returns the seller's mediation request on the issue, if any.
func (s *Server) ArbitrationOf(id string) (*Arbitration, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	is, ok := s.issues[id]
	if !ok || is.arbitration == nil {
		return nil, false
	}
	a := *is.arbitration
	a.Images = append([]Image(nil), a.Images...)
	return &a, true
}

var timeZero time.Time
