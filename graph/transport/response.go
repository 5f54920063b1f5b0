package transport

import (
	"encoding/json"
	"strconv"

	"github.com/99designs/gqlgen/graphql"
)

// appendResponse appends resp as JSON, in the field order and with the
// omissions of json.Marshal(resp), but copies Data as it is.
//
// json.Marshal would compact and re-validate Data byte by byte: on the list
// page that was about a seventh of the request's CPU, for bytes the
// executor's own marshallers have just written. The websocket transport
// already sends Data this way.
func appendResponse(dst []byte, resp *graphql.Response) ([]byte, error) {
	dst = append(dst, '{')
	if len(resp.Errors) > 0 {
		b, err := json.Marshal(resp.Errors)
		if err != nil {
			return nil, err
		}
		dst = append(append(dst, `"errors":`...), b...)
		dst = append(dst, ',')
	}
	dst = append(dst, `"data":`...)
	if len(resp.Data) == 0 {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, resp.Data...)
	}
	if resp.Label != "" {
		b, err := json.Marshal(resp.Label)
		if err != nil {
			return nil, err
		}
		dst = append(append(dst, `,"label":`...), b...)
	}
	if len(resp.Path) > 0 {
		b, err := json.Marshal(resp.Path)
		if err != nil {
			return nil, err
		}
		dst = append(append(dst, `,"path":`...), b...)
	}
	if resp.HasNext != nil {
		dst = append(dst, `,"hasNext":`...)
		dst = strconv.AppendBool(dst, *resp.HasNext)
	}
	if len(resp.Extensions) > 0 {
		b, err := json.Marshal(resp.Extensions)
		if err != nil {
			return nil, err
		}
		dst = append(append(dst, `,"extensions":`...), b...)
	}
	return append(dst, '}'), nil
}
