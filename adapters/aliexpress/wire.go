package aliexpress

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/adapters/aliexpress/aliexpresswire"
)

const maxPageSize = aliexpresswire.MaxPageSize

type issueDetailWire = aliexpresswire.IssueDetail

const formContentType = "application/x-www-form-urlencoded;charset=utf-8"

// params returns the signed form of one attempt: the system parameters with a
// fresh millisecond timestamp, the business parameters, and the signature.
func (a *Adapter) params(method string, business map[string]string) map[string]string {
	p := make(map[string]string, len(business)+9)
	for k, v := range business {
		p[k] = v
	}
	p[aliexpresswire.ParamAppKey] = a.cfg.AppKey
	p[aliexpresswire.ParamAccessToken] = a.tokens.AccessToken()
	p[aliexpresswire.ParamTimestamp] = strconv.FormatInt(a.cfg.Now().UnixMilli(), 10)
	p[aliexpresswire.ParamSignMethod] = aliexpresswire.SignMethodSHA256
	p[aliexpresswire.ParamMethod] = method
	p[aliexpresswire.ParamVersion] = aliexpresswire.APIVersion
	p[aliexpresswire.ParamFormat] = aliexpresswire.FormatJSON
	// simplify=false keeps the documented response shape, lists nested
	// under their element names (see aliexpresswire.ItemSolution).
	p[aliexpresswire.ParamSimplify] = "false"
	p[aliexpresswire.ParamSign] = Sign(a.cfg.AppSecret, "", p)
	return p
}

// call sends one API method and decodes its success response into out (a
// pointer). Every attempt is built and signed afresh by the client.
func (a *Adapter) call(ctx context.Context, method string, business map[string]string, write bool, out any) error {
	typ := reflect.TypeOf(out).Elem()
	body, err := a.client.Do(ctx, adapters.Call{
		Method:      method,
		URL:         a.cfg.BaseURL + aliexpresswire.SyncPath + "?" + url.Values{aliexpresswire.ParamMethod: {method}}.Encode(),
		ContentType: formContentType,
		Write:       write,
		Build: func() ([]byte, error) {
			form := url.Values{}
			for k, v := range a.params(method, business) {
				form.Set(k, v)
			}
			return []byte(form.Encode()), nil
		},
		Decode: func(status int, _ http.Header, b []byte) error {
			return decodeResponse(method, b, reflect.New(typ).Interface())
		},
	})
	if err != nil {
		return err
	}
	return decodeResponse(method, body, out)
}

// decodeResponse reads the envelope: an error_response becomes a
// *adapters.PlatformError of the right kind; a success is decoded into out.
func decodeResponse(method string, body []byte, out any) error {
	env, err := aliexpresswire.DecodeEnvelope(method, body)
	if err != nil {
		return err // not a PlatformError: the client decides by the HTTP status
	}
	if env.Error != nil {
		return platformError(env.Error)
	}
	if err := json.Unmarshal(env.Success, out); err != nil {
		return &adapters.PlatformError{Kind: adapters.KindMalformed, Message: "unreadable " + aliexpresswire.ResponseKey(method), Err: err}
	}
	return nil
}

func platformError(e *aliexpresswire.ErrorResponse) *adapters.PlatformError {
	code := string(e.Code)
	if e.SubCode != "" {
		code += "/" + string(e.SubCode)
	}
	msg := string(e.Msg)
	if e.SubMsg != "" {
		msg = strings.TrimSpace(msg + ": " + string(e.SubMsg))
	}
	pe := &adapters.PlatformError{Kind: classify(e), Code: code, Message: msg}
	if m := banSeconds.FindStringSubmatch(string(e.SubMsg) + " " + string(e.Msg)); m != nil {
		if n, err := strconv.Atoi(m[1]); err == nil {
			pe.RetryAfter = time.Duration(n) * time.Second
		}
	}
	return pe
}

// banSeconds reads the length of an ApiCallLimit ban ("This ban will last 1
// more seconds").
var banSeconds = regexp.MustCompile(`(?i)last\s+(\d+)\s+more\s+second`)

// errorKinds maps the platform's error codes to kinds. The new gateway uses
// names (IncompleteSignature, ApiCallLimit...); the legacy TOP gateway uses
// numbers with an isv./isp. sub_code. The codes below are the commonly
// documented ones; anything else is classified by its sub_code and words
// (classify).
var errorKinds = map[string]adapters.ErrorKind{
	// Signature, app key, token, timestamp: the app's or shop's credentials.
	"IncompleteSignature": adapters.KindAuth, "InvalidSignature": adapters.KindAuth,
	"IllegalAccessToken": adapters.KindAuth, "InvalidAccessToken": adapters.KindAuth,
	"AccessTokenExpired": adapters.KindAuth, "SessionExpired": adapters.KindAuth,
	"InvalidAppKey": adapters.KindAuth, "AppKeyNotExist": adapters.KindAuth,
	"InvalidTimestamp": adapters.KindAuth, "IllegalTimestamp": adapters.KindAuth,
	"InsufficientPermission": adapters.KindAuth, "AppWhiteIpLimit": adapters.KindAuth,
	"11": adapters.KindAuth, "12": adapters.KindAuth, "24": adapters.KindAuth, "25": adapters.KindAuth,
	"26": adapters.KindAuth, "27": adapters.KindAuth, "28": adapters.KindAuth, "29": adapters.KindAuth,
	"30": adapters.KindAuth, "31": adapters.KindAuth,
	// Throttling: nothing was processed, repeat later.
	"ApiCallLimit": adapters.KindRateLimited, "AppCallLimit": adapters.KindRateLimited,
	"FrequencyLimit": adapters.KindRateLimited, "7": adapters.KindRateLimited,
	// The request itself is wrong.
	"MissingParameter": adapters.KindInvalid, "InvalidParameter": adapters.KindInvalid,
	"InvalidApiPath": adapters.KindInvalid, "InvalidFormat": adapters.KindInvalid,
	"InvalidMethod": adapters.KindInvalid, "MissingMethod": adapters.KindInvalid,
	"21": adapters.KindInvalid, "22": adapters.KindInvalid, "23": adapters.KindInvalid,
	"40": adapters.KindInvalid, "41": adapters.KindInvalid, "43": adapters.KindInvalid,
	// The platform failed.
	"ServiceUnavailable": adapters.KindUnavailable, "SystemError": adapters.KindUnavailable,
	"InternalError": adapters.KindUnavailable, "UnknownRuntimeException": adapters.KindUnavailable,
	"10": adapters.KindUnavailable,
}

// classify decides an error's kind: the sub_code first (it is the
// specific one: code 15 "Remote service error" wraps business errors), then
// the code, then the words of both, and KindInvalid for anything unknown
// (the platform answered and refused).
//
// Deviation from a literal reading of the brief ("isv.* → rate limited"):
// isv.* sub_codes are the caller's business errors on the TOP gateway
// (isv.invalid-parameter, isv.issue-not-found...), so only those that name a
// limit or frequency are treated as throttling; isp.* (the platform's own
// failures) are unavailable.
func classify(e *aliexpresswire.ErrorResponse) adapters.ErrorKind {
	sub := strings.ToLower(string(e.SubCode))
	words := strings.ToLower(string(e.SubCode) + " " + string(e.SubMsg) + " " + string(e.Code) + " " + string(e.Msg))
	has := func(s string, parts ...string) bool {
		for _, p := range parts {
			if strings.Contains(s, p) {
				return true
			}
		}
		return false
	}
	switch {
	case has(sub, "limit", "frequen", "flow-control", "flow_control", "accesscontrol"):
		return adapters.KindRateLimited
	case has(sub, "not_exist", "not-exist", "notexist", "not_found", "not-found", "notfound", "no_such"):
		return adapters.KindNotFound
	case has(sub, "status", "state"):
		return adapters.KindState
	case has(sub, "signature", "session", "token", "permission", "appkey", "app-key"):
		return adapters.KindAuth
	case has(sub, "missing", "invalid", "illegal", "param"):
		return adapters.KindInvalid
	case strings.HasPrefix(sub, "isp."):
		return adapters.KindUnavailable
	}
	if k, ok := errorKinds[string(e.Code)]; ok {
		return k
	}
	switch {
	case has(words, "call limit", "frequency", "too many", "throttl"):
		return adapters.KindRateLimited
	case has(words, "signature", "access token", "session"):
		return adapters.KindAuth
	case has(words, "not found", "does not exist", "not exist"):
		return adapters.KindNotFound
	case has(words, "status does not allow", "status not allow", "not allowed in"):
		return adapters.KindState
	case has(words, "system error", "service unavailable", "timeout", "internal error"):
		return adapters.KindUnavailable
	}
	return adapters.KindInvalid
}

// issueList calls aliexpress.issue.issuelist.get for one page of every issue.
func (a *Adapter) issueList(ctx context.Context, page int) (*aliexpresswire.IssueListResponse, error) {
	q, err := json.Marshal(aliexpresswire.IssueListQuery{CurrentPage: page, PageSize: a.cfg.PageSize})
	if err != nil {
		return nil, err
	}
	var resp aliexpresswire.IssueListResponse
	if err := a.call(ctx, aliexpresswire.MethodIssueList, map[string]string{aliexpresswire.ParamQueryDTO: string(q)}, false, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// issueDetail calls aliexpress.issue.detail.get.
func (a *Adapter) issueDetail(ctx context.Context, id, buyer string) (*aliexpresswire.IssueDetail, error) {
	var resp aliexpresswire.IssueDetailResponse
	err := a.call(ctx, aliexpresswire.MethodIssueDetail, map[string]string{
		aliexpresswire.ParamIssueID:      id,
		aliexpresswire.ParamBuyerLoginID: buyer,
	}, false, &resp)
	if err != nil {
		return nil, notFoundOrErr(err, id)
	}
	if resp.ResultObject == nil || resp.ResultObject.ID == "" {
		return nil, &adapters.PlatformError{Platform: a.ID(), Method: aliexpresswire.MethodIssueDetail,
			Kind: adapters.KindMalformed, Message: "result_object is missing"}
	}
	return resp.ResultObject, nil
}

// solutionAgree calls aliexpress.issue.solution.agree: the seller accepts a
// solution; a return needs the address the goods go back to.
func (a *Adapter) solutionAgree(ctx context.Context, issueID, solutionID, buyer, addressID string) error {
	p := map[string]string{
		aliexpresswire.ParamIssueID:      issueID,
		aliexpresswire.ParamSolutionID:   solutionID,
		aliexpresswire.ParamBuyerLoginID: buyer,
	}
	if addressID != "" {
		p[aliexpresswire.ParamReturnAddressID] = addressID
	}
	var resp aliexpresswire.ResultResponse
	if err := a.call(ctx, aliexpresswire.MethodSolutionAgree, p, true, &resp); err != nil {
		return err
	}
	if !resp.ResultObject {
		return &adapters.PlatformError{Platform: a.ID(), Method: aliexpresswire.MethodSolutionAgree, Kind: adapters.KindInvalid,
			Message: "the platform did not accept the solution (result_object false)"}
	}
	return nil
}

// solutionSave calls aliexpress.issue.solution.save: the seller adds (or
// modifies) a solution, which refuses the buyer's.
func (a *Adapter) solutionSave(ctx context.Context, dto aliexpresswire.SolutionSaveParam) error {
	b, err := json.Marshal(dto)
	if err != nil {
		return err
	}
	var resp aliexpresswire.ResultResponse
	if err := a.call(ctx, aliexpresswire.MethodSolutionSave, map[string]string{aliexpresswire.ParamParamDTO: string(b)}, true, &resp); err != nil {
		return err
	}
	if !resp.ResultObject {
		return &adapters.PlatformError{Platform: a.ID(), Method: aliexpresswire.MethodSolutionSave, Kind: adapters.KindInvalid,
			Message: "the platform did not save the solution (result_object false)"}
	}
	return nil
}

// sellerAddresses calls aliexpress.logistics.redefining.getlogisticsselleraddresses
// for the return (refund) addresses.
func (a *Adapter) sellerAddresses(ctx context.Context) (*aliexpresswire.SellerAddressesResponse, error) {
	var resp aliexpresswire.SellerAddressesResponse
	if err := a.call(ctx, aliexpresswire.MethodSellerAddresses, map[string]string{aliexpresswire.ParamSellerAddressQuery: "refund"}, false, &resp); err != nil {
		return nil, err
	}
	if !resp.ResultSuccess {
		return nil, &adapters.PlatformError{Platform: a.ID(), Method: aliexpresswire.MethodSellerAddresses, Kind: adapters.KindInvalid,
			Code: resp.ResultErrorCode.String(), Message: fmt.Sprintf("address query failed: %s", resp.ErrorDesc)}
	}
	return &resp, nil
}

// lastPage reports whether page was the last page of the list.
func lastPage(r *aliexpresswire.IssueListResponse, page, size int) bool {
	return len(r.DataList) < size || page*size >= r.TotalItem
}
