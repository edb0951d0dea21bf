package payments_test

import (
	"context"
	"testing"

	"github.com/claimflow/claimflow/payments"
	"github.com/claimflow/claimflow/payments/paymentstest"
)

func TestConfirmOnStripeMock(t *testing.T) {
	base := paymentstest.StartStripeMock(t)
	s := payments.New(payments.Options{APIBase: base, SecretKey: "sk_test_123"})
	ctx := context.Background()
	pi, err := s.CreatePaymentIntent(ctx, payments.IntentRequest{StatementID: "stmt-c", AmountCents: 4250})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.ConfirmPaymentIntent(ctx, payments.ConfirmRequest{PaymentIntentID: pi.ID, PaymentMethod: "pm_card_visa", IdempotencyKey: "k1"})
	t.Logf("confirm: %+v %v", got, err)
	if err != nil || got.ID == "" {
		t.Fatalf("confirm: %+v, %v", got, err)
	}
	g, err := s.GetPaymentIntent(ctx, pi.ID)
	t.Logf("get: %+v %v", g, err)
	if err != nil || g.ID != pi.ID {
		t.Fatalf("get: %+v, %v", g, err)
	}
}
