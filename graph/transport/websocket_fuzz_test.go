package transport

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"testing"
	"unicode/utf8"

	"github.com/gobwas/ws"
)

// clientFrame is one frame as a client sends it: masked.
func clientFrame(fin bool, op ws.OpCode, payload []byte) []byte {
	mask := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	var b bytes.Buffer
	ws.WriteHeader(&b, ws.Header{Fin: fin, OpCode: op, Masked: true, Mask: mask, Length: int64(len(payload))})
	p := bytes.Clone(payload)
	ws.Cipher(p, mask, 0)
	b.Write(p)
	return b.Bytes()
}

func frames(fs ...[]byte) []byte { return bytes.Join(fs, nil) }

// FuzzReadMessage feeds the message reader what a hostile client may send.
// Whatever the bytes, it does not panic, hangs up only with a close code the
// protocol has, answers a close frame with a code a peer may receive, and
// returns only whole UTF-8 messages within the size bound.
//
//	go test ./graph/transport -run XXX -fuzz FuzzReadMessage -fuzztime 1m
func FuzzReadMessage(f *testing.F) {
	f.Add(clientFrame(true, ws.OpText, []byte(`{"type":"connection_init"}`)))
	f.Add(frames(clientFrame(false, ws.OpText, []byte(`{"type":"conn`)), clientFrame(true, ws.OpPing, []byte("hi")),
		clientFrame(true, ws.OpContinuation, []byte(`ection_init"}`)), clientFrame(true, ws.OpText, []byte(`{}`))))
	f.Add(clientFrame(true, ws.OpClose, []byte{0x03, 0xe8, 'b', 'y', 'e'}))
	f.Add(clientFrame(true, ws.OpClose, []byte{0x03}))
	f.Add(clientFrame(true, ws.OpClose, []byte{0x03, 0xe8, 0xff}))
	f.Add(clientFrame(true, ws.OpBinary, []byte{1, 2, 3}))
	f.Add(clientFrame(true, ws.OpContinuation, []byte("x")))
	f.Add(clientFrame(true, ws.OpText, []byte{'"', 0xff, '"'}))
	f.Add(clientFrame(true, ws.OpPing, bytes.Repeat([]byte("p"), 126)))
	f.Add([]byte{0x81, 0x05, 'h', 'e', 'l', 'l', 'o'}) // unmasked
	f.Add([]byte{0x81, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4})
	f.Add([]byte{0x81, 0xff, 0, 0, 0, 0, 0, 0x10, 0, 0, 1, 2, 3, 4, '{'})
	f.Add([]byte{0xf1, 0x80, 1, 2, 3, 4})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, in []byte) {
		r := bufio.NewReaderSize(bytes.NewReader(in), 256)
		ping := func(p []byte) {
			if len(p) > 125 {
				t.Fatalf("a ping of %d bytes was answered", len(p))
			}
		}
		for {
			msg, err := readMessage(r, ping)
			if err != nil {
				var ce *wsCloseError
				var pc peerClosed
				switch {
				case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
				case errors.As(err, &ce):
					switch ce.code {
					case closeProtocolError, closeUnsupported, closeInvalidPayload, closeTooBig:
					default:
						t.Fatalf("closed with %d (%s)", ce.code, ce.reason)
					}
				case errors.As(err, &pc):
					if !validCloseCode(int(pc)) {
						t.Fatalf("a close frame answered with %d", int(pc))
					}
				default:
					t.Fatalf("unexpected error %T %v", err, err)
				}
				return
			}
			if len(msg) > maxWSMessage || !utf8.Valid(msg) {
				t.Fatalf("returned a message of %d bytes, UTF-8 %v", len(msg), utf8.Valid(msg))
			}
		}
	})
}

// FuzzReadMessageRoundTrip sends a message in fragments, with a ping after
// the first: the reader returns exactly the message.
func FuzzReadMessageRoundTrip(f *testing.F) {
	f.Add("hello", uint16(2), uint16(1))
	f.Add(`{"type":"subscribe","id":"1","payload":{"query":"subscription { returnCaseChanged { id } }"}}`, uint16(40), uint16(0))
	f.Add("ünïcödé ✓", uint16(3), uint16(4))
	f.Add("", uint16(0), uint16(0))
	f.Fuzz(func(t *testing.T, msg string, cut, pieces uint16) {
		if !utf8.ValidString(msg) {
			return
		}
		// Split the message into up to 8 fragments of about cut bytes.
		var fs [][]byte
		rest := []byte(msg)
		size := max(1, int(cut))
		for i := 0; i < int(pieces%8) && len(rest) > size; i++ {
			fs = append(fs, clientFrame(false, opFor(i), rest[:size]))
			if i == 0 {
				fs = append(fs, clientFrame(true, ws.OpPing, []byte("between")))
			}
			rest = rest[size:]
		}
		fs = append(fs, clientFrame(true, opFor(len(fs)), rest))
		var pinged []byte
		got, err := readMessage(bufio.NewReaderSize(bytes.NewReader(frames(fs...)), 256), func(p []byte) { pinged = bytes.Clone(p) })
		if err != nil {
			t.Fatalf("read %q in %d frames: %v", msg, len(fs), err)
		}
		if string(got) != msg {
			t.Fatalf("read %q, want %q", got, msg)
		}
		if len(fs) > 1 && string(pinged) != "between" {
			t.Fatalf("ping between fragments: %q", pinged)
		}
	})
}

// opFor is the opcode of a message's i-th frame.
func opFor(i int) ws.OpCode {
	if i == 0 {
		return ws.OpText
	}
	return ws.OpContinuation
}
