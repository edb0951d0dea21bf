package deploy

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// overlays are the kustomizations an operator applies.
var overlays = []string{"k8s/overlays/dev", "k8s/overlays/prod"}

// kinds maps apiVersion/kind to the Go type an object of that kind decodes
// into. A kind missing here fails the test: add it with its type.
var kinds = map[string]func() any{
	"v1/ConfigMap":                           func() any { return new(corev1.ConfigMap) },
	"v1/Secret":                              func() any { return new(corev1.Secret) },
	"v1/Service":                             func() any { return new(corev1.Service) },
	"v1/ServiceAccount":                      func() any { return new(corev1.ServiceAccount) },
	"apps/v1/Deployment":                     func() any { return new(appsv1.Deployment) },
	"batch/v1/Job":                           func() any { return new(batchv1.Job) },
	"policy/v1/PodDisruptionBudget":          func() any { return new(policyv1.PodDisruptionBudget) },
	"networking.k8s.io/v1/NetworkPolicy":     func() any { return new(networkingv1.NetworkPolicy) },
	"autoscaling/v2/HorizontalPodAutoscaler": func() any { return new(autoscalingv2.HorizontalPodAutoscaler) },
}

// render builds the kustomization in dir and decodes every object strictly:
// unknown or misspelled fields, duplicate fields, field names in the wrong
// case and values of the wrong type are errors, as they are for the API
// server's strict field validation.
func render(dir string) ([]any, error) {
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		return nil, fmt.Errorf("kustomize %s: %w", dir, err)
	}
	var objs []any
	var errs []error
	for _, r := range m.Resources() {
		data, err := r.MarshalJSON()
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", r.CurId(), err))
			continue
		}
		obj, err := decodeStrict(data)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", r.GetKind(), r.GetName(), err))
			continue
		}
		objs = append(objs, obj)
	}
	return objs, errors.Join(errs...)
}

func decodeStrict(data []byte) (any, error) {
	var tm metav1.TypeMeta
	if err := json.Unmarshal(data, &tm); err != nil {
		return nil, err
	}
	newObj, ok := kinds[tm.APIVersion+"/"+tm.Kind]
	if !ok {
		return nil, fmt.Errorf("no Go type registered for %s/%s", tm.APIVersion, tm.Kind)
	}
	obj := newObj()
	strict, err := sigsjson.UnmarshalStrict(data, obj)
	if err != nil {
		return nil, err
	}
	if len(strict) > 0 {
		return nil, errors.Join(strict...)
	}
	return obj, nil
}

var rendered sync.Map // dir -> []any, for mustRender

// mustRender renders an overlay that must be valid (once per test binary:
// the tests only read the objects).
func mustRender(t *testing.T, dir string) []any {
	t.Helper()
	if objs, ok := rendered.Load(dir); ok {
		return objs.([]any)
	}
	objs, err := render(dir)
	if err != nil {
		t.Fatal(err)
	}
	rendered.Store(dir, objs)
	if len(objs) == 0 {
		t.Fatalf("%s renders no objects", dir)
	}
	return objs
}

func all[T any](objs []any) []T {
	var out []T
	for _, o := range objs {
		if v, ok := o.(T); ok {
			out = append(out, v)
		}
	}
	return out
}

// workload is a pod template with the name of what owns it.
type workload struct {
	name     string
	template corev1.PodTemplateSpec
}

func workloads(objs []any) []workload {
	var out []workload
	for _, d := range all[*appsv1.Deployment](objs) {
		out = append(out, workload{"Deployment " + d.Name, d.Spec.Template})
	}
	for _, j := range all[*batchv1.Job](objs) {
		out = append(out, workload{"Job " + j.Name, j.Spec.Template})
	}
	return out
}

func TestOverlaysRenderAndDecodeStrictly(t *testing.T) {
	for _, dir := range overlays {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			objs := mustRender(t, dir)
			for kind, n := range map[string]int{
				"Deployment":          len(all[*appsv1.Deployment](objs)),
				"Job":                 len(all[*batchv1.Job](objs)),
				"Service":             len(all[*corev1.Service](objs)),
				"PodDisruptionBudget": len(all[*policyv1.PodDisruptionBudget](objs)),
				"NetworkPolicy":       len(all[*networkingv1.NetworkPolicy](objs)),
			} {
				if n == 0 {
					t.Errorf("no %s rendered", kind)
				}
			}
		})
	}
}

func TestPodsRunNonRootOnReadOnlyFilesystems(t *testing.T) {
	for _, dir := range overlays {
		for _, w := range workloads(mustRender(t, dir)) {
			t.Run(filepath.Base(dir)+"/"+w.name, func(t *testing.T) {
				spec := w.template.Spec
				psc := spec.SecurityContext
				if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
					t.Error("pod securityContext.runAsNonRoot is not true")
				}
				if psc == nil || psc.RunAsUser == nil || *psc.RunAsUser == 0 {
					t.Error("pod securityContext.runAsUser is unset or 0")
				}
				if psc == nil || psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
					t.Error("pod seccompProfile is not RuntimeDefault")
				}
				if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
					t.Error("the service account token is mounted; claimflow does not call the Kubernetes API")
				}
				for _, c := range append(spec.InitContainers, spec.Containers...) {
					sc := c.SecurityContext
					if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
						t.Errorf("container %s: readOnlyRootFilesystem is not true", c.Name)
					}
					if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
						t.Errorf("container %s: allowPrivilegeEscalation is not false", c.Name)
					}
					if sc == nil || sc.Capabilities == nil || len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" {
						t.Errorf("container %s: capabilities do not drop ALL", c.Name)
					}
					if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() {
						t.Errorf("container %s: no cpu and memory requests", c.Name)
					}
					if c.Resources.Limits.Memory().IsZero() {
						t.Errorf("container %s: no memory limit", c.Name)
					}
					if c.Image == "claimflow" || !strings.Contains(c.Image, ":") {
						t.Errorf("container %s: image %q was not set by the overlay", c.Name, c.Image)
					}
					if strings.HasSuffix(dir, "prod") && strings.HasSuffix(c.Image, ":latest") {
						t.Errorf("container %s: prod runs the floating tag %q", c.Name, c.Image)
					}
				}
			})
		}
	}
}

func TestAPIProbes(t *testing.T) {
	for _, dir := range overlays {
		objs := mustRender(t, dir)
		for _, d := range all[*appsv1.Deployment](objs) {
			if d.Spec.Template.Labels["app.kubernetes.io/component"] != "api" {
				continue
			}
			c := d.Spec.Template.Spec.Containers[0]
			for _, p := range []struct {
				name  string
				probe *corev1.Probe
				path  string
			}{
				{"liveness", c.LivenessProbe, "/healthz"},
				{"readiness", c.ReadinessProbe, "/readyz"},
				{"startup", c.StartupProbe, "/healthz"},
			} {
				if p.probe == nil || p.probe.HTTPGet == nil {
					t.Errorf("%s %s: no HTTP %s probe", dir, d.Name, p.name)
					continue
				}
				if got := p.probe.HTTPGet.Path; got != p.path {
					t.Errorf("%s %s: %s probe path = %q, want %q", dir, d.Name, p.name, got, p.path)
				}
			}
		}
	}
}

// secretish are environment variables that must come from a Secret.
func secretish(name string) bool {
	return name == "DATABASE_URL" || strings.Contains(name, "SECRET") || strings.HasSuffix(name, "_KEY") ||
		strings.Contains(name, "PASSWORD") || strings.Contains(name, "TOKEN")
}

func TestSecretsByReference(t *testing.T) {
	for _, dir := range overlays {
		objs := mustRender(t, dir)
		if s := all[*corev1.Secret](objs); len(s) > 0 {
			t.Errorf("%s renders Secret %s: secrets are created out of band and referenced", dir, s[0].Name)
		}
		for _, cm := range all[*corev1.ConfigMap](objs) {
			for k := range cm.Data {
				if secretish(k) {
					t.Errorf("%s: ConfigMap %s holds %s, which belongs in a Secret", dir, cm.Name, k)
				}
			}
		}
		for _, w := range workloads(objs) {
			for _, c := range w.template.Spec.Containers {
				for _, e := range c.Env {
					if secretish(e.Name) && (e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil) {
						t.Errorf("%s %s: %s is not a secretKeyRef", dir, w.name, e.Name)
					}
				}
			}
		}
	}
}

func TestEveryDeploymentHasADisruptionBudget(t *testing.T) {
	for _, dir := range overlays {
		objs := mustRender(t, dir)
		pdbs := all[*policyv1.PodDisruptionBudget](objs)
		for _, d := range all[*appsv1.Deployment](objs) {
			var found *policyv1.PodDisruptionBudget
			for _, p := range pdbs {
				sel, err := metav1.LabelSelectorAsSelector(p.Spec.Selector)
				if err != nil {
					t.Fatalf("%s: PDB %s: %v", dir, p.Name, err)
				}
				if sel.Matches(labels.Set(d.Spec.Template.Labels)) {
					found = p
				}
			}
			if found == nil {
				t.Errorf("%s: no PodDisruptionBudget selects Deployment %s", dir, d.Name)
				continue
			}
			// A budget that can never be met blocks every node drain.
			if d.Spec.Replicas != nil && found.Spec.MinAvailable != nil && found.Spec.MinAvailable.IntValue() >= int(*d.Spec.Replicas) {
				t.Errorf("%s: PDB %s (minAvailable %s) blocks drains of Deployment %s with %d replicas",
					dir, found.Name, found.Spec.MinAvailable.String(), d.Name, *d.Spec.Replicas)
			}
		}
	}
}

func TestServiceSelectsTheAPI(t *testing.T) {
	for _, dir := range overlays {
		objs := mustRender(t, dir)
		for _, s := range all[*corev1.Service](objs) {
			n := 0
			for _, d := range all[*appsv1.Deployment](objs) {
				if labels.SelectorFromSet(s.Spec.Selector).Matches(labels.Set(d.Spec.Template.Labels)) {
					n++
				}
			}
			if n != 1 {
				t.Errorf("%s: Service %s selects %d Deployments, want 1", dir, s.Name, n)
			}
		}
	}
}

func TestNetworkPoliciesDenyByDefault(t *testing.T) {
	for _, dir := range overlays {
		objs := mustRender(t, dir)
		deny := false
		for _, p := range all[*networkingv1.NetworkPolicy](objs) {
			if len(p.Spec.PodSelector.MatchLabels) == 0 && len(p.Spec.PodSelector.MatchExpressions) == 0 &&
				len(p.Spec.Ingress) == 0 && len(p.Spec.Egress) == 0 && len(p.Spec.PolicyTypes) == 2 {
				deny = true
			}
		}
		if !deny {
			t.Errorf("%s: no default-deny NetworkPolicy (empty podSelector, Ingress and Egress, no rules)", dir)
		}
	}
}

func TestProdAutoscalesWorkers(t *testing.T) {
	objs := mustRender(t, "k8s/overlays/prod")
	hpas := all[*autoscalingv2.HorizontalPodAutoscaler](objs)
	if len(hpas) != 1 {
		t.Fatalf("prod renders %d HorizontalPodAutoscalers, want 1", len(hpas))
	}
	h := hpas[0]
	var target *appsv1.Deployment
	for _, d := range all[*appsv1.Deployment](objs) {
		if d.Name == h.Spec.ScaleTargetRef.Name && h.Spec.ScaleTargetRef.Kind == "Deployment" {
			target = d
		}
	}
	if target == nil {
		t.Fatalf("HPA %s targets %s %s, which prod does not render", h.Name, h.Spec.ScaleTargetRef.Kind, h.Spec.ScaleTargetRef.Name)
	}
	if target.Spec.Template.Labels["app.kubernetes.io/component"] != "worker" {
		t.Errorf("HPA scales %s, want the worker", target.Name)
	}
	if target.Spec.Replicas != nil {
		t.Errorf("Deployment %s sets replicas (%d) although the HPA owns them", target.Name, *target.Spec.Replicas)
	}
	if h.Spec.MinReplicas == nil || *h.Spec.MinReplicas < 2 {
		t.Error("HPA minReplicas below 2: one worker is a single point of failure")
	}
	for _, c := range target.Spec.Template.Spec.Containers {
		if c.Resources.Requests.Cpu().IsZero() {
			t.Errorf("worker container %s has no cpu request: a CPU-utilization HPA needs one", c.Name)
		}
	}
}

// TestBrokenManifestsAreRejected is the test of the test: each directory
// under testdata/ renders fine with kustomize (which knows no schemas) but
// holds one mistake the strict decoder must report.
func TestBrokenManifestsAreRejected(t *testing.T) {
	for _, tc := range []struct {
		dir  string
		want []string
	}{
		{"testdata/misspelled-field", []string{`unknown field "spec.template.spec.contaners"`}},
		{"testdata/wrong-type", []string{"spec.replicas", "of type int32"}},
		{"testdata/wrong-case", []string{`unknown field "spec.template.spec.containers[0].ImagePullPolicy"`}},
		{"testdata/unknown-kind", []string{"no Go type registered for apps/v1/Deplyment"}},
		{"testdata/nested-typo", []string{`unknown field "spec.template.spec.containers[0].resources.request"`}},
	} {
		t.Run(filepath.Base(tc.dir), func(t *testing.T) {
			_, err := render(tc.dir)
			if err == nil {
				t.Fatal("render accepted a broken manifest")
			}
			t.Log(err)
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// TestSourceYAMLIsStrict catches what rendering hides: kustomize keeps the
// last of two duplicate keys in a source file without a word.
func TestSourceYAMLIsStrict(t *testing.T) {
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path == "testdata" {
			return filepath.SkipDir
		}
		// temporal/server.yaml is a Go template, checked by the rehearsal.
		if d.IsDir() || !strings.HasSuffix(path, ".yaml") || path == filepath.Join("temporal", "server.yaml") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, doc := range strings.Split(string(data), "\n---\n") {
			if _, err := yaml.YAMLToJSONStrict([]byte(doc)); err != nil {
				t.Errorf("%s, document %d: %v", path, i+1, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestConfigMapReferencesResolve checks that kustomize rewrote every
// reference to the generated (hash-suffixed) ConfigMap.
func TestConfigMapReferencesResolve(t *testing.T) {
	for _, dir := range overlays {
		objs := mustRender(t, dir)
		names := map[string]bool{}
		for _, cm := range all[*corev1.ConfigMap](objs) {
			names[cm.Name] = true
		}
		for _, w := range workloads(objs) {
			for _, c := range w.template.Spec.Containers {
				for _, ef := range c.EnvFrom {
					if ef.ConfigMapRef != nil && !names[ef.ConfigMapRef.Name] {
						t.Errorf("%s %s: envFrom names ConfigMap %q, which is not rendered", dir, w.name, ef.ConfigMapRef.Name)
					}
				}
			}
		}
	}
}

// The archive is reached through the region's S3 endpoint and bucket named
// in the ConfigMap, with the pods' workload identity: no container carries
// S3 keys, so an empty Secret value cannot bring back development keys
// (issue 20).
func TestArchiveUsesWorkloadIdentity(t *testing.T) {
	for _, dir := range overlays {
		objs := mustRender(t, dir)
		found := false
		for _, cm := range all[*corev1.ConfigMap](objs) {
			if cm.Data["CLAIMFLOW_S3_ENDPOINT"] != "" {
				found = true
				if cm.Data["CLAIMFLOW_S3_BUCKET"] == "" {
					t.Errorf("%s: ConfigMap %s sets the S3 endpoint but no bucket", dir, cm.Name)
				}
			}
		}
		if !found {
			t.Errorf("%s: no ConfigMap sets CLAIMFLOW_S3_ENDPOINT (the default is a loopback server)", dir)
		}
		for _, w := range workloads(objs) {
			for _, c := range w.template.Spec.Containers {
				for _, e := range c.Env {
					if strings.HasPrefix(e.Name, "CLAIMFLOW_S3_") && strings.HasSuffix(e.Name, "_KEY") {
						t.Errorf("%s %s: %s is set; the archive uses the ServiceAccount's role", dir, w.name, e.Name)
					}
				}
			}
		}
	}
}
