package http

import (
	"errors"
	"mime"
	"net"
	"net/http"

	"github.com/etown/duixian"
)

// How large a request body may be. The API takes JSON, the pages
// url-encoded forms; files only a route whose Upload says how many bytes.
const (
	maxJSONBody = 8 << 20
	maxFormBody = 1 << 20
	// uploadMemory is how much of a multipart body is held in memory; the
	// rest of it, up to the route's Upload, goes to temporary files.
	uploadMemory = 1 << 20
)

var (
	errTooLarge = &duixian.Error{Code: "too_large", Field: "body", Zh: "请求体过大", En: "the request body is too large"}
	errNoFiles  = &duixian.Error{Code: "unsupported_media_type", Field: "body", Zh: "此处不接受文件上传（multipart）", En: "this address takes no file uploads (multipart)"}
	errTooSlow  = &duixian.Error{Code: "request_timeout", Field: "body", Zh: "请求体发送过慢，连接已超时", En: "the body came too slowly; the connection timed out"}
)

// limitBody refuses, before anything reads it, a body the route does not
// take: a multipart one on a route without Upload (net/http would
// otherwise parse up to 32 MB of it for the first form value asked for), or
// one whose declared length is over the limit. The rest is read through a
// limit; a form is parsed here, so that a body cut at the limit answers
// 413 rather than reaching the handler as an empty form.
func limitBody(q *Request) error {
	r := q.R
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	limit := int64(maxFormBody)
	if q.route.API {
		limit = maxJSONBody
	}
	media, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if media == "multipart/form-data" {
		if q.route.Upload <= 0 {
			return errNoFiles
		}
		limit = q.route.Upload
	}
	if r.ContentLength > limit {
		return errTooLarge
	}
	r.Body = http.MaxBytesReader(q.W, r.Body, limit)
	var err error
	switch media {
	case "application/x-www-form-urlencoded":
		err = r.ParseForm()
	case "multipart/form-data":
		err = r.ParseMultipartForm(uploadMemory)
	}
	return bodyError(err)
}

// bodyError is a failure to read a body as the client's error: too large,
// too slow (the server's read timeout), or unreadable.
func bodyError(err error) error {
	var tooLarge *http.MaxBytesError
	var netErr net.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &tooLarge):
		return errTooLarge
	case errors.As(err, &netErr) && netErr.Timeout():
		return errTooSlow
	}
	return duixian.Errorf(duixian.EINVALID, "body", "请求体不可读：%v", "the body is unreadable: %v", err)
}
