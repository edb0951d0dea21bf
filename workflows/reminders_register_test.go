package workflows

import (
	"testing"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/claimflow/claimflow/activities"
)

// The engagement activities register beside everybody else's on one
// worker: a method name shared with *activities.Activities would panic.
func TestEngagementRegistersBesideTheRest(t *testing.T) {
	c, err := client.NewLazyClient(client.Options{HostPort: "127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	w := worker.New(c, "register-test", worker.Options{})
	Register(w, &activities.Activities{})
	RegisterEngagementActivities(w, &activities.Engagement{})
}
