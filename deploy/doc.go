// Package deploy holds claimflow's deployment material: Kubernetes
// kustomizations (k8s/), the container image (Dockerfile), systemd units
// (systemd/) and the Temporal server configuration (temporal/). It is its own
// Go module so the Kubernetes libraries its tests use stay out of the
// application's go.mod.
//
// The tests render every kustomization with kustomize's krusty and decode
// each object strictly into its k8s.io/api type, so a misspelled field or a
// value of the wrong type fails `go test` instead of a deploy.
package deploy
