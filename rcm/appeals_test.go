package rcm

import (
	"strings"
	"testing"
	"time"
)

func TestDaysLeft(t *testing.T) {
	now := time.Date(2030, 3, 10, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		deadline time.Time
		want     int
	}{
		{now.Add(30 * 24 * time.Hour), 30},
		{now.Add(30*24*time.Hour - time.Second), 29},
		{now.Add(time.Hour), 0},
		{now, 0},
		{now.Add(-time.Hour), -1},
		{now.Add(-24 * time.Hour), -1},
		{now.Add(-25 * time.Hour), -2},
	} {
		if got := DaysLeft(c.deadline, now); got != c.want {
			t.Errorf("DaysLeft(%v) = %d, want %d", c.deadline.Sub(now), got, c.want)
		}
	}
}

func TestAppealLetterInputValidate(t *testing.T) {
	for _, c := range []struct {
		in   AppealLetterInput
		want string // the pointer named, "" for valid
	}{
		{AppealLetterInput{Reason: "medically necessary"}, ""},
		{AppealLetterInput{Reason: "line one\nline two\ttabbed", AttachmentsNote: "notes\nlabs"}, ""},
		{AppealLetterInput{Reason: strings.Repeat("é", MaxAppealReason)}, ""},
		{AppealLetterInput{}, "/reason"},
		{AppealLetterInput{Reason: " \n "}, "/reason"},
		{AppealLetterInput{Reason: strings.Repeat("x", MaxAppealReason+1)}, "/reason"},
		{AppealLetterInput{Reason: "x\x1b[2J"}, "/reason"},
		{AppealLetterInput{Reason: "x\u0085"}, "/reason"},
		{AppealLetterInput{Reason: "ok", ContactName: "A\nB"}, "/contact_name"},
		{AppealLetterInput{Reason: "ok", ContactName: strings.Repeat("y", MaxAppealContactName+1)}, "/contact_name"},
		{AppealLetterInput{Reason: "ok", AttachmentsNote: "x\x00"}, "/attachments_note"},
		{AppealLetterInput{Reason: "ok", AttachmentsNote: "\xff"}, "/attachments_note"},
	} {
		err := c.in.Validate()
		if c.want == "" {
			if err != nil {
				t.Errorf("%+v: %v, want valid", c.in, err)
			}
			continue
		}
		ve, ok := err.(*ValidationError)
		if !ok || len(ve.Fields) != 1 || ve.Fields[0].Pointer != c.want {
			t.Errorf("%q: %v, want one problem naming %s", c.in.Reason, err, c.want)
		}
	}
}

func TestAppealStateOf(t *testing.T) {
	for _, c := range []struct {
		s     ClaimStatus
		filed int
		want  string
	}{{StatusAppealPending, 0, AppealNotFiled}, {StatusAppealed, 1, AppealFiled}, {StatusAppealPending, 1, AppealDecided}, {StatusAppealLapsed, 0, AppealNotFiled}} {
		if got := AppealStateOf(c.s, c.filed); got != c.want {
			t.Errorf("AppealStateOf(%s, %d) = %s, want %s", c.s, c.filed, got, c.want)
		}
	}
}
