package sim

import (
	"bytes"
	"crypto/subtle"
	"net/http"
	"sync"
	"time"

	"github.com/claimflow/claimflow/clearinghouse"
)

// realtimeCache remembers each answer by sender and PayloadID, so a
// repeated request gets the same response.
type realtimeCache struct {
	mu   sync.Mutex
	seen map[string]cachedReply
}

type cachedReply struct {
	reqHash     string
	body        []byte
	contentType string
}

// RealTimeHandler is the CORE real-time endpoint (POST, multipart).
func (s *Server) RealTimeHandler() http.Handler {
	return http.HandlerFunc(s.serveRealTime)
}

func (s *Server) serveRealTime(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	fl := s.cfg.Faults
	if s.dice.roll(fl.Slow) && fl.SlowBy > 0 {
		s.counts.slows.Add(1)
		time.Sleep(time.Duration(s.dice.n(int64(fl.SlowBy))))
	}
	if s.dice.roll(fl.Drop / 2) {
		s.dropHTTP(w)
		return
	}
	user, pass, ok := r.BasicAuth()
	u, known := s.users[user]
	if !ok || !known || u.Password == "" || subtle.ConstantTimeCompare([]byte(pass), []byte(u.Password)) != 1 {
		s.replyError(w, http.StatusUnauthorized, &clearinghouse.COREEnvelope{}, clearinghouse.COREUnauthorized, "authentication failed")
		return
	}
	req, err := clearinghouse.DecodeCOREEnvelope(r.Header.Get("Content-Type"), r.Body)
	if err != nil {
		s.replyError(w, http.StatusBadRequest, &clearinghouse.COREEnvelope{}, clearinghouse.CORERequestMalformed, "request is not a CORE multipart envelope")
		return
	}
	if code, msg := req.CheckRequest(); code != "" {
		s.replyError(w, http.StatusBadRequest, req, code, msg)
		return
	}
	key := user + "\x00" + req.SenderID + "\x00" + req.PayloadID
	reqHash := hash(req.Payload)
	s.rt.mu.Lock()
	if s.rt.seen == nil {
		s.rt.seen = map[string]cachedReply{}
	}
	c, again := s.rt.seen[key]
	if !again {
		// Answer under the lock: a concurrent retry of the same PayloadID
		// waits for this answer instead of computing another.
		rep, err := s.cfg.Responder.RealTime(r.Context(), req.PayloadType, req.Payload)
		resp := &clearinghouse.COREEnvelope{
			PayloadType: rep.PayloadType, ProcessingMode: clearinghouse.RealTime, PayloadID: req.PayloadID,
			TimeStamp: time.Now().UTC().Format(time.RFC3339), SenderID: req.ReceiverID, ReceiverID: req.SenderID,
			CORERuleVersion: clearinghouse.CORERuleVersion, Payload: rep.Payload, ErrorCode: clearinghouse.CORESuccess,
		}
		if err != nil {
			resp.PayloadType, resp.Payload = "", nil
			resp.ErrorCode, resp.ErrorMessage = clearinghouse.COREServerError, "the request could not be processed"
		}
		body, ct, _ := resp.Encode()
		c = cachedReply{reqHash: reqHash, body: body, contentType: ct}
		s.rt.seen[key] = c
	}
	s.rt.mu.Unlock()
	if again && c.reqHash != reqHash {
		s.replyError(w, http.StatusBadRequest, req, clearinghouse.CORERequestMalformed, "PayloadID was already used for another payload")
		return
	}
	if s.dice.roll(fl.Drop / 2) {
		s.dropHTTP(w) // the answer is lost; a retry gets the same one
		return
	}
	w.Header().Set("Content-Type", c.contentType)
	if s.dice.roll(fl.Malformed) {
		s.counts.malformed.Add(1)
		_, _ = w.Write(bytes.ReplaceAll(c.body[:len(c.body)/2], []byte("--"), []byte("-")))
		return
	}
	_, _ = w.Write(c.body)
}

func (s *Server) dropHTTP(w http.ResponseWriter) {
	s.counts.drops.Add(1)
	if hj, ok := w.(http.Hijacker); ok {
		if c, _, err := hj.Hijack(); err == nil {
			c.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

func (s *Server) replyError(w http.ResponseWriter, status int, req *clearinghouse.COREEnvelope, code, msg string) {
	resp := &clearinghouse.COREEnvelope{
		ProcessingMode: clearinghouse.RealTime, PayloadID: req.PayloadID, TimeStamp: time.Now().UTC().Format(time.RFC3339),
		SenderID: req.ReceiverID, ReceiverID: req.SenderID, CORERuleVersion: clearinghouse.CORERuleVersion,
		ErrorCode: code, ErrorMessage: msg,
	}
	body, ct, _ := resp.Encode()
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
