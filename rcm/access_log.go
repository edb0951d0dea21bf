package rcm

// PermWorkflowDecode lets an engineer read decrypted workflow payloads in
// the Temporal UI (through the codec endpoint).
const PermWorkflowDecode = "workflow:decode"
