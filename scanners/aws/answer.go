package aws

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// defaultMaxAnswer is how large a response body may be (settings.maxAnswer
// changes it). The largest real answers ownaudit reads (a page of 1,000
// EC2 instances, the credential report of a large account) are a few
// megabytes; a 200 MB body is not an answer, and decoding it would cost
// gigabytes.
const defaultMaxAnswer = 64 << 20

// A wire protocol, as far as telling an answer from something else goes.
type protocol int

const (
	protoUnknown protocol = iota
	protoQuery            // EC2, IAM, STS, RDS, ELBv2: XML, root element <OpResponse>
	protoJSON             // SSM, KMS, Organizations: a JSON object
	protoRESTXML          // S3: XML, the root element depends on the operation
)

// protocols are those of the services the scanners call, by SDK service id.
var protocols = map[string]protocol{
	"EC2": protoQuery, "IAM": protoQuery, "STS": protoQuery, "RDS": protoQuery, "Elastic Load Balancing v2": protoQuery,
	"SSM": protoJSON, "KMS": protoJSON, "Organizations": protoJSON,
	"S3": protoRESTXML,
}

// badAnswer is a response that is not an answer from AWS: an HTML page a
// proxy or captive portal sent, an empty or cut-off body, a body too large
// to be one. The SDK would decode some of them into an empty list, so that
// every security group or bucket silently disappeared; instead the read
// fails, naming the operation.
type badAnswer struct {
	status int
	reason string
	// final marks what trying again cannot fix (a body over the limit);
	// the rest may be a passing fault and is retried.
	final bool
}

func (e *badAnswer) Error() string {
	return fmt.Sprintf("not an answer from AWS (HTTP %d): %s", e.status, e.reason)
}

// RetryableError tells the SDK's retryer whether another attempt may help.
func (e *badAnswer) RetryableError() bool { return !e.final }

// checkAnswers adds a step to the stack that reads every raw response, at
// most maxBody bytes of it, before the SDK decodes it, and turns one that
// is not an answer from AWS into a badAnswer error.
func checkAnswers(maxBody int64) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		// Added last to the deserialize step, it is the one nearest the
		// transport: it sees the response before any decoder does.
		return stack.Deserialize.Add(middleware.DeserializeMiddlewareFunc("ownauditCheckAnswer",
			func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
				out, md, err := next.HandleDeserialize(ctx, in)
				if err != nil {
					return out, md, err
				}
				resp, ok := out.RawResponse.(*smithyhttp.Response)
				if !ok || resp.Response == nil {
					return out, md, nil
				}
				if err := checkAnswer(ctx, resp.Response, maxBody); err != nil {
					return out, md, err
				}
				return out, md, nil
			}), middleware.After)
	}
}

// checkAnswer reads resp's body (putting it back for the decoder) and
// checks that resp is an answer of the operation in ctx.
func checkAnswer(ctx context.Context, resp *http.Response, maxBody int64) error {
	body, err := readBody(resp, maxBody)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	var tooLarge *badAnswer
	switch {
	case errors.As(err, &tooLarge):
		return err
	case err != nil && ctx.Err() == nil && !isTimeout(err):
		return &badAnswer{status: resp.StatusCode, reason: fmt.Sprintf("the body broke off after %d bytes: %v", len(body), err)}
	case err != nil:
		return err // a deadline or the scan's cancellation: not the answer's fault
	}
	if resp.Request != nil && resp.Request.Method == http.MethodHead {
		return nil // answers to HEAD have no body to check
	}
	proto := protocols[awsmiddleware.GetServiceID(ctx)]
	op := awsmiddleware.GetOperationName(ctx)
	ok := resp.StatusCode >= 200 && resp.StatusCode < 300
	bad := func(format string, args ...any) error {
		return &badAnswer{status: resp.StatusCode, reason: fmt.Sprintf(format, args...)}
	}
	media, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if media == "text/html" {
		return bad("an HTML page (%d bytes); a proxy or captive portal may be in the way", len(body))
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if ok {
			return bad("an empty body")
		}
		return nil // an error status alone says enough; the SDK reports it
	}
	// S3 answers GetBucketPolicy with the policy's own JSON, whatever
	// content type it names, and its errors with XML.
	policy := ok && proto == protoRESTXML && op == "GetBucketPolicy"
	switch {
	case proto == protoUnknown:
	case proto == protoJSON || policy:
		if ok && !policy && !jsonMedia(media) {
			return bad("content type %q, not JSON", media)
		}
		if b := bytes.TrimSpace(body); b[0] != '{' || !json.Valid(b) {
			return bad("the body is not a whole JSON object (%d bytes); it may be cut off", len(body))
		}
	default:
		if ok && media != "text/xml" && media != "application/xml" {
			return bad("content type %q, not XML", media)
		}
		root, err := xmlRoot(body)
		if err != nil {
			return bad("the body is not a whole XML document (%d bytes): %v", len(body), err)
		}
		if ok && proto == protoQuery && root != op+"Response" {
			return bad("the XML root element is <%s>, not <%sResponse>", root, op)
		}
	}
	if ok && !hasRequestID(resp.Header, body) {
		return bad("no request id, which every AWS answer carries")
	}
	return nil
}

// readBody reads resp's body and closes it. It fails with a final
// badAnswer past maxBody bytes, and with the read's own error when the
// body breaks off, returning what it read.
//
// A body of unknown length is read in blocks that double from 8 KiB up to
// 4 MiB, not into one buffer that doubles: a body over the limit then
// costs the limit, rather than the limit and the copies of a growing
// buffer.
func readBody(resp *http.Response, maxBody int64) ([]byte, error) {
	defer resp.Body.Close()
	tooLarge := &badAnswer{status: resp.StatusCode, final: true,
		reason: fmt.Sprintf("the body is larger than %d MiB, more than any answer the scanners read", maxBody>>20)}
	if resp.ContentLength > maxBody {
		return nil, tooLarge
	}
	if resp.ContentLength >= 0 {
		body := make([]byte, resp.ContentLength)
		n, err := io.ReadFull(resp.Body, body)
		return body[:n], err
	}
	var blocks [][]byte
	var total int64
	size := int64(8 << 10)
	for {
		block := make([]byte, min(size, maxBody+1-total))
		n, err := readBlock(resp.Body, block)
		blocks = append(blocks, block[:n])
		total += int64(n)
		switch {
		case total > maxBody:
			return nil, tooLarge
		case err == io.EOF && len(blocks) == 1:
			return blocks[0], nil
		case err == io.EOF:
			return bytes.Join(blocks, nil), nil
		case err != nil:
			return bytes.Join(blocks, nil), err
		}
		size = min(2*size, 4<<20)
	}
}

// readBlock fills block from r; it returns io.EOF when r ended, whether
// or not the block is full.
func readBlock(r io.Reader, block []byte) (int, error) {
	n := 0
	for n < len(block) {
		m, err := r.Read(block[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// xmlRoot returns the name of the root element of a whole XML document,
// or an error when the document ends before the root element does.
func xmlRoot(body []byte) (string, error) {
	d := xml.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := d.RawToken()
		if err != nil {
			return "", err
		}
		if start, ok := tok.(xml.StartElement); ok {
			name := start.Name.Local
			if start.Name.Space != "" {
				name = start.Name.Space + ":" + name
			}
			rest := bytes.TrimSpace(body[d.InputOffset():])
			// A root element without content, <LocationConstraint/>, ends
			// where it starts; any other ends the document with its end tag.
			if (len(rest) == 0 && bytes.HasSuffix(bytes.TrimSpace(body), []byte("/>"))) ||
				bytes.HasSuffix(rest, []byte("</"+name+">")) {
				return start.Name.Local, nil
			}
			return "", fmt.Errorf("it ends before </%s>", name)
		}
	}
}

func jsonMedia(media string) bool {
	return media == "application/json" || strings.HasPrefix(media, "application/x-amz-json-")
}

// hasRequestID reports whether an answer carries a request id: in a
// header (every protocol), or in the body of an XML answer.
func hasRequestID(h http.Header, body []byte) bool {
	for _, k := range []string{"X-Amzn-Requestid", "X-Amz-Request-Id", "X-Amz-Id-2"} {
		if h.Get(k) != "" {
			return true
		}
	}
	return bytes.Contains(body, []byte("<RequestId>")) || bytes.Contains(body, []byte("<requestId>"))
}
