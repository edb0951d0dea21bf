package workflows

import (
	"go.temporal.io/sdk/worker"

	"github.com/claimflow/claimflow/activities"
)

// RegisterEngagementActivities registers the patient-engagement activities
// (reminders, waitlist, series, statements). Register already registers
// their workflows; call this beside it with the wired Engagement.
func RegisterEngagementActivities(w worker.Registry, e *activities.Engagement) {
	w.RegisterActivity(e)
}
