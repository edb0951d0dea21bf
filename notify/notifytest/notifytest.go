// Package notifytest starts a real mailpit SMTP server for tests and reads
// what it received back through its HTTP API, and records SMS in memory.
package notifytest

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/notify"
)

// Mailpit is a running mailpit.
type Mailpit struct {
	SMTPAddr string // host:port for notify.SMTP
	APIURL   string // http://host:port
}

// Message is one received email as mailpit reports it.
type Message struct {
	ID        string
	MessageID string
	Subject   string
	To        []string
	Text      string
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// StartMailpit starts mailpit (testenv.Tool "mailpit") on free loopback
// ports, with any extra flags, and stops it when the test ends.
func StartMailpit(t testing.TB, extra ...string) *Mailpit {
	t.Helper()
	bin := testenv.Tool(t, "mailpit")
	smtpAddr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	httpAddr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	cmd := exec.Command(bin, append([]string{"--smtp", smtpAddr, "--listen", httpAddr, "--disable-version-check"}, extra...)...)
	log := testenv.LogFile(t, "mailpit")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start mailpit: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	m := &Mailpit{SMTPAddr: smtpAddr, APIURL: "http://" + httpAddr}
	testenv.WaitFor(t, 20*time.Second, "mailpit to listen", func() bool {
		resp, err := http.Get(m.APIURL + "/api/v1/messages")
		if err != nil {
			return false
		}
		resp.Body.Close()
		c, err := net.Dial("tcp", smtpAddr)
		if err != nil {
			return false
		}
		c.Close()
		return resp.StatusCode == http.StatusOK
	})
	return m
}

// Messages lists every received message, newest first, with its text.
func (m *Mailpit) Messages(t testing.TB) []Message {
	t.Helper()
	var list struct {
		Messages []struct {
			ID        string
			MessageID string
			Subject   string
			To        []struct{ Address string }
		}
	}
	if err := getJSON(m.APIURL+"/api/v1/messages", &list); err != nil {
		t.Fatalf("mailpit: list: %v", err)
	}
	out := make([]Message, 0, len(list.Messages))
	for _, x := range list.Messages {
		var full struct{ Text string }
		if err := getJSON(m.APIURL+"/api/v1/message/"+x.ID, &full); err != nil {
			t.Fatalf("mailpit: read: %v", err)
		}
		msg := Message{ID: x.ID, MessageID: x.MessageID, Subject: x.Subject, Text: full.Text}
		for _, to := range x.To {
			msg.To = append(msg.To, to.Address)
		}
		out = append(out, msg)
	}
	return out
}

func getJSON(u string, v any) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// SMSOutbox records text messages instead of sending them.
type SMSOutbox struct {
	mu   sync.Mutex
	Sent []notify.SMS
	// Err, when set, is returned by every send.
	Err error
}

// SendSMS records m.
func (o *SMSOutbox) SendSMS(_ context.Context, m notify.SMS) (string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.Err != nil {
		return "", o.Err
	}
	o.Sent = append(o.Sent, m)
	return "SM" + strconv.Itoa(len(o.Sent)), nil
}

// Messages returns a copy of what was sent.
func (o *SMSOutbox) Messages() []notify.SMS {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]notify.SMS(nil), o.Sent...)
}
