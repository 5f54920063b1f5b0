package transport

import (
	"encoding/json"
	"strconv"

	"github.com/99designs/gqlgen/graphql"
)

// responseParts encodes resp as JSON, in the field order and with the
// omissions of json.Marshal(resp), as the bytes before its data and the
// bytes after: the data itself goes out as the executor wrote it.
//
// json.Marshal would compact and re-validate the data byte by byte, and
// copy it: on the list page that was about a seventh of the request's CPU,
// for bytes the executor's own marshallers have just written. The
// websocket transport sends data the same way.
func responseParts(resp *graphql.Response) (head, tail []byte, err error) {
	head = append(make([]byte, 0, 16), '{')
	if len(resp.Errors) > 0 {
		b, err := json.Marshal(resp.Errors)
		if err != nil {
			return nil, nil, err
		}
		head = append(append(head, `"errors":`...), b...)
		head = append(head, ',')
	}
	head = append(head, `"data":`...)
	if len(resp.Data) == 0 {
		head = append(head, "null"...)
	}
	if resp.Label != "" {
		b, err := json.Marshal(resp.Label)
		if err != nil {
			return nil, nil, err
		}
		tail = append(append(tail, `,"label":`...), b...)
	}
	if len(resp.Path) > 0 {
		b, err := json.Marshal(resp.Path)
		if err != nil {
			return nil, nil, err
		}
		tail = append(append(tail, `,"path":`...), b...)
	}
	if resp.HasNext != nil {
		tail = strconv.AppendBool(append(tail, `,"hasNext":`...), *resp.HasNext)
	}
	if len(resp.Extensions) > 0 {
		b, err := json.Marshal(resp.Extensions)
		if err != nil {
			return nil, nil, err
		}
		tail = append(append(tail, `,"extensions":`...), b...)
	}
	return head, append(tail, '}'), nil
}

// appendResponse appends resp as JSON, as responseParts writes it.
func appendResponse(dst []byte, resp *graphql.Response) ([]byte, error) {
	head, tail, err := responseParts(resp)
	if err != nil {
		return nil, err
	}
	return append(append(append(dst, head...), resp.Data...), tail...), nil
}
