// Package sim is a clearinghouse simulator: a real SSH/SFTP server giving
// each user a jailed view of a directory (upload/ for files sent to the
// clearinghouse, download/ for its answers) and the CAQH CORE real-time
// HTTP endpoint. A Responder decides what the answers contain; the server
// handles transport, idempotency and fault injection.
package sim

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// User is one submitter account.
type User struct {
	Name           string
	AuthorizedKeys []ssh.PublicKey
	// Password protects the real-time endpoint (HTTP basic auth).
	Password string
}

// Config configures the simulator.
type Config struct {
	// DataDir holds the host key (created on first start) and the users'
	// folders.
	DataDir   string
	Users     []User
	Responder Responder
	Faults    Faults
	// TempSuffix marks uploads in progress; default ".part".
	TempSuffix string
	Log        *slog.Logger
	// Tick is how often a Responder that is also a Scheduler is asked for
	// the files it has due (default 1s).
	Tick time.Duration
}

// Received is one file the simulator took from an upload folder.
type Received struct {
	User, Name, Hash string
	At               time.Time
}

// Server is a running simulator.
type Server struct {
	cfg     Config
	ssh     *ssh.ServerConfig
	hostKey ssh.PublicKey
	users   map[string]User
	dice    *dice
	log     *slog.Logger

	ln       net.Listener
	wg       sync.WaitGroup
	mu       sync.Mutex
	conns    map[*ssh.ServerConn]struct{}
	received []Received
	held     []heldFile
	closed   bool
	work     chan upload
	seq      atomic.Int64
	counts   struct{ drops, slows, dups, malformed, reordered atomic.Int64 }
	rt       realtimeCache
	stop     chan struct{} // closed by Close; ends the schedule loop
}

type upload struct{ user, name string }

type heldFile struct {
	user string
	f    OutboundFile
}

// New prepares the simulator: loads or creates the host key and the users'
// folders.
func New(cfg Config) (*Server, error) {
	if cfg.Responder == nil {
		cfg.Responder = &AckResponder{}
	}
	if cfg.TempSuffix == "" {
		cfg.TempSuffix = ".part"
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, users: map[string]User{}, dice: newDice(cfg.Faults.Seed), log: cfg.Log,
		conns: map[*ssh.ServerConn]struct{}{}, work: make(chan upload, 1024)}
	signer, err := loadHostKey(filepath.Join(cfg.DataDir, "ssh_host_ed25519_key"))
	if err != nil {
		return nil, err
	}
	s.hostKey = signer.PublicKey()
	for _, u := range cfg.Users {
		if u.Name == "" || strings.ContainsAny(u.Name, "/\\.") {
			return nil, fmt.Errorf("sim: bad user name %q", u.Name)
		}
		s.users[u.Name] = u
		for _, d := range []string{"upload", "download"} {
			if err := os.MkdirAll(filepath.Join(s.home(u.Name), d), 0o700); err != nil {
				return nil, err
			}
		}
	}
	s.ssh = &ssh.ServerConfig{
		PublicKeyCallback: func(meta ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			u, ok := s.users[meta.User()]
			if ok {
				for _, k := range u.AuthorizedKeys {
					if k.Type() == key.Type() && string(k.Marshal()) == string(key.Marshal()) {
						return &ssh.Permissions{}, nil
					}
				}
			}
			return nil, errors.New("unauthorised")
		},
	}
	s.ssh.AddHostKey(signer)
	return s, nil
}

// loadHostKey reads the persisted host key or creates one.
func loadHostKey(file string) (ssh.Signer, error) {
	if b, err := os.ReadFile(file); err == nil {
		return ssh.ParsePrivateKey(b)
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	blk, err := ssh.MarshalPrivateKey(priv, "claimflow clearinghouse simulator")
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(file, pem.EncodeToMemory(blk), 0o600); err != nil {
		return nil, err
	}
	return ssh.NewSignerFromKey(priv)
}

// HostKey is the server's public key, for pinning.
func (s *Server) HostKey() ssh.PublicKey { return s.hostKey }

// HostKeyLine is HostKey in authorized_keys form.
func (s *Server) HostKeyLine() string {
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(s.hostKey)))
}

func (s *Server) home(user string) string { return filepath.Join(s.cfg.DataDir, "users", user) }

// Dir returns a user's folder on disk ("upload" or "download").
func (s *Server) Dir(user, which string) string { return filepath.Join(s.home(user), which) }

// ServeSFTP accepts SSH connections on ln until Close.
func (s *Server) ServeSFTP(ln net.Listener) {
	s.begin(ln)
	s.accept(ln)
}

// begin records the listener and starts the upload processor and the
// schedule. ListenSFTP runs it before its goroutine: its wg.Add on a
// goroutine raced a Close that was already waiting (the race detector
// caught it in TestAuthAndHostKey).
func (s *Server) begin(ln net.Listener) {
	s.mu.Lock()
	s.ln = ln
	s.mu.Unlock()
	s.wg.Add(1)
	go s.processUploads()
	s.startSchedule()
}

func (s *Server) accept(ln net.Listener) {
	for {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.handleConn(nc)
		}()
	}
}

// ListenSFTP listens on addr ("127.0.0.1:0" for a free port) and serves in
// the background; it returns the address.
func (s *Server) ListenSFTP(addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	s.begin(ln)
	go s.accept(ln)
	return ln.Addr().String(), nil
}

// Close stops accepting, drops every connection and waits for the
// handlers; held (reordered) files are delivered first.
func (s *Server) Close() error {
	s.Flush()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	if s.ln != nil {
		s.ln.Close()
	}
	for c := range s.conns {
		c.Close()
	}
	close(s.work)
	if s.stop != nil {
		close(s.stop)
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

func (s *Server) handleConn(nc net.Conn) {
	_ = nc.SetDeadline(time.Now().Add(30 * time.Second))
	sc, chans, reqs, err := ssh.NewServerConn(nc, s.ssh)
	if err != nil {
		nc.Close()
		return
	}
	_ = nc.SetDeadline(time.Time{})
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		sc.Close()
		return
	}
	s.conns[sc] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.conns, sc)
		s.mu.Unlock()
		sc.Close()
	}()
	go ssh.DiscardRequests(reqs)
	for nch := range chans {
		if nch.ChannelType() != "session" {
			_ = nch.Reject(ssh.UnknownChannelType, "only sessions")
			continue
		}
		ch, creqs, err := nch.Accept()
		if err != nil {
			continue
		}
		go func() {
			for req := range creqs {
				ok := req.Type == "subsystem" && len(req.Payload) >= 4 && string(req.Payload[4:]) == "sftp"
				_ = req.Reply(ok, nil)
				if ok {
					h := &jail{s: s, user: sc.User(), root: s.home(sc.User()), conn: sc}
					rs := sftp.NewRequestServer(ch, sftp.Handlers{FileGet: h, FilePut: h, FileCmd: h, FileList: h})
					_ = rs.Serve()
					rs.Close()
					ch.Close()
					return
				}
			}
		}()
	}
}

// uploaded queues a completed upload for the Responder.
func (s *Server) uploaded(user, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.work <- upload{user, name}
	}
}

func (s *Server) processUploads() {
	defer s.wg.Done()
	for u := range s.work {
		s.processUpload(u)
	}
}

func (s *Server) processUpload(u upload) {
	src := filepath.Join(s.Dir(u.user, "upload"), u.name)
	body, err := os.ReadFile(src)
	if err != nil {
		return // already taken (a repeated rename) or removed by the user
	}
	// Take the file out of the user's view, as a clearinghouse does.
	keep := filepath.Join(s.cfg.DataDir, "received", u.user)
	_ = os.MkdirAll(keep, 0o700)
	if err := os.Rename(src, filepath.Join(keep, fmt.Sprintf("%06d-%s", s.seq.Add(1), u.name))); err != nil {
		return
	}
	s.mu.Lock()
	s.received = append(s.received, Received{User: u.user, Name: u.name, Hash: hash(body), At: time.Now()})
	s.mu.Unlock()
	for _, f := range s.cfg.Responder.OnUpload(context.Background(), u.user, u.name, body) {
		s.deliver(u.user, f)
	}
}

// deliver writes a response file into the user's download folder,
// applying the file faults.
func (s *Server) deliver(user string, f OutboundFile) {
	fl := s.cfg.Faults
	if s.dice.roll(fl.Malformed) && len(f.Body) > 10 {
		s.counts.malformed.Add(1)
		f.Body = append([]byte(nil), f.Body[:len(f.Body)/2+int(s.dice.n(int64(len(f.Body)/2)))]...)
	}
	files := []OutboundFile{f}
	if s.dice.roll(fl.Duplicate) {
		s.counts.dups.Add(1)
		files = append(files, OutboundFile{Name: "dup-" + f.Name, Body: f.Body})
	}
	if fl.Reorder > 1 {
		s.mu.Lock()
		for _, x := range files {
			s.held = append(s.held, heldFile{user, x})
		}
		var out []heldFile
		if len(s.held) >= fl.Reorder {
			out, s.held = s.held, nil
		} else if len(s.held) == len(files) {
			// The first held file: release the batch late if no more come.
			wait := fl.ReorderWait
			if wait <= 0 {
				wait = 250 * time.Millisecond
			}
			time.AfterFunc(wait, s.Flush)
		}
		s.mu.Unlock()
		s.release(out)
		return
	}
	for _, x := range files {
		s.write(user, x)
	}
}

func (s *Server) release(files []heldFile) {
	if len(files) > 1 {
		s.counts.reordered.Add(int64(len(files)))
		s.dice.shuffle(len(files), func(i, j int) { files[i], files[j] = files[j], files[i] })
	}
	for _, h := range files {
		s.write(h.user, h.f)
		time.Sleep(time.Millisecond) // distinct modification order
	}
}

// Flush delivers every held (reordered) response file now.
func (s *Server) Flush() {
	s.mu.Lock()
	out := s.held
	s.held = nil
	s.mu.Unlock()
	s.release(out)
}

// write places a file atomically (staging, then rename) under a name not
// yet used in the folder.
func (s *Server) write(user string, f OutboundFile) {
	staging := filepath.Join(s.cfg.DataDir, "staging")
	_ = os.MkdirAll(staging, 0o700)
	tmp := filepath.Join(staging, fmt.Sprintf("%d.tmp", s.seq.Add(1)))
	if err := os.WriteFile(tmp, f.Body, 0o600); err != nil {
		s.log.Error("sim: write response", "err", err.Error())
		return
	}
	dir := s.Dir(user, "download")
	name := filepath.Base(f.Name)
	for i := 1; ; i++ {
		if _, err := os.Lstat(filepath.Join(dir, name)); errors.Is(err, os.ErrNotExist) {
			break
		}
		name = fmt.Sprintf("%s.%d", filepath.Base(f.Name), i)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		s.log.Error("sim: place response", "err", err.Error())
	}
}

// Put places a file in a user's download folder as if the clearinghouse
// sent it (no faults applied).
func (s *Server) Put(user string, f OutboundFile) { s.write(user, f) }

// Received lists the files taken from upload folders, in arrival order.
func (s *Server) Received() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.received...)
}

// Counts returns how many faults were injected so far.
func (s *Server) Counts() Counts {
	return Counts{Drops: s.counts.drops.Load(), Slows: s.counts.slows.Load(), Duplicates: s.counts.dups.Load(),
		Malformed: s.counts.malformed.Load(), Reordered: s.counts.reordered.Load()}
}

// Downloads lists the names waiting in a user's download folder.
func (s *Server) Downloads(user string) []string {
	ents, _ := os.ReadDir(s.Dir(user, "download"))
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	sort.Strings(out)
	return out
}
