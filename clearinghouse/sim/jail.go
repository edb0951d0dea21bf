package sim

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

func hash(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// jail serves one SFTP session confined to the user's home directory.
// Symbolic and hard links are refused, so no path leads outside it.
type jail struct {
	s    *Server
	user string
	root string
	conn *ssh.ServerConn
}

// real maps an SFTP path to the file system inside the jail.
func (j *jail) real(p string) string {
	return filepath.Join(j.root, filepath.FromSlash(path.Clean("/"+p)))
}

// completed reports whether p names a finished upload.
func (j *jail) completed(p string) (string, bool) {
	p = path.Clean("/" + p)
	dir, name := path.Split(p)
	return name, dir == "/upload/" && name != "" && !strings.HasPrefix(name, ".") && !strings.HasSuffix(name, j.s.cfg.TempSuffix)
}

var errDropped = errors.New("connection dropped (simulated fault)")

// before applies the request faults ahead of an operation.
func (j *jail) before() error {
	fl := j.s.cfg.Faults
	if j.s.dice.roll(fl.Slow) && fl.SlowBy > 0 {
		j.s.counts.slows.Add(1)
		time.Sleep(time.Duration(j.s.dice.n(int64(fl.SlowBy))))
	}
	if j.s.dice.roll(fl.Drop / 2) {
		return j.drop()
	}
	return nil
}

// after may drop the connection once the operation is done, losing the
// reply.
func (j *jail) after(err error) error {
	if err == nil && j.s.dice.roll(j.s.cfg.Faults.Drop/2) {
		return j.drop()
	}
	return err
}

func (j *jail) drop() error {
	j.s.counts.drops.Add(1)
	j.conn.Close()
	return errDropped
}

func (j *jail) Fileread(r *sftp.Request) (io.ReaderAt, error) {
	if err := j.before(); err != nil {
		return nil, err
	}
	return os.Open(j.real(r.Filepath))
}

type writeFile struct {
	*os.File
	j    *jail
	path string
}

func (w *writeFile) Close() error {
	err := w.File.Close()
	if name, ok := w.j.completed(w.path); ok && err == nil {
		w.j.s.uploaded(w.j.user, name)
	}
	return err
}

func (j *jail) Filewrite(r *sftp.Request) (io.WriterAt, error) {
	if err := j.before(); err != nil {
		return nil, err
	}
	pf := r.Pflags()
	flag := os.O_RDWR
	if pf.Creat {
		flag |= os.O_CREATE
	}
	if pf.Trunc {
		flag |= os.O_TRUNC
	}
	if pf.Excl {
		flag |= os.O_EXCL
	}
	f, err := os.OpenFile(j.real(r.Filepath), flag, 0o600)
	if err != nil {
		return nil, err
	}
	return &writeFile{File: f, j: j, path: r.Filepath}, nil
}

func (j *jail) Filecmd(r *sftp.Request) error {
	if err := j.before(); err != nil {
		return err
	}
	var err error
	switch r.Method {
	case "Setstat":
		return nil
	case "Rename":
		// SFTP v3: fail when the target exists.
		if _, e := os.Lstat(j.real(r.Target)); e == nil {
			return sftp.ErrSSHFxFailure
		}
		err = os.Rename(j.real(r.Filepath), j.real(r.Target))
		if name, ok := j.completed(r.Target); ok && err == nil {
			j.s.uploaded(j.user, name)
		}
	case "Remove":
		err = os.Remove(j.real(r.Filepath))
	case "Mkdir":
		err = os.Mkdir(j.real(r.Filepath), 0o700)
	case "Rmdir":
		err = os.Remove(j.real(r.Filepath))
	default:
		return sftp.ErrSSHFxOpUnsupported
	}
	return j.after(err)
}

type listing []os.FileInfo

func (l listing) ListAt(out []os.FileInfo, off int64) (int, error) {
	if off >= int64(len(l)) {
		return 0, io.EOF
	}
	n := copy(out, l[off:])
	if n < len(out) {
		return n, io.EOF
	}
	return n, nil
}

func (j *jail) Filelist(r *sftp.Request) (sftp.ListerAt, error) {
	if err := j.before(); err != nil {
		return nil, err
	}
	switch r.Method {
	case "List":
		ents, err := os.ReadDir(j.real(r.Filepath))
		if err != nil {
			return nil, err
		}
		var out listing
		for _, e := range ents {
			if fi, err := e.Info(); err == nil {
				out = append(out, fi)
			}
		}
		return out, nil
	case "Stat":
		fi, err := os.Stat(j.real(r.Filepath))
		if err != nil {
			return nil, err
		}
		return listing{fi}, nil
	}
	return nil, sftp.ErrSSHFxOpUnsupported
}
