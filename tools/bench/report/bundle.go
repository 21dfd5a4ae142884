package main

import (
	"encoding/json"
	"fmt"
	"os"
)

// editBundle turns the template that `runc spec` writes into the container the engine runs:
// CMD in ROOTFS, no terminal, a writable root (the engine does not make it read-only
// either), and no network namespace (the engine has none until step 6). Everything else
// keeps runc's defaults: PID, IPC, UTS and mount namespaces, the default mounts, masked and
// read-only paths, capabilities, a cgroup. The file is decoded into maps, not OCI types,
// so that no field this program does not know about is lost.
func editBundle(path, rootfs, cmd string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var spec map[string]any
	if err := json.Unmarshal(data, &spec); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	root, err := object(spec, "root")
	if err != nil {
		return err
	}
	root["path"], root["readonly"] = rootfs, false
	process, err := object(spec, "process")
	if err != nil {
		return err
	}
	process["args"], process["terminal"] = []string{cmd}, false
	linux, err := object(spec, "linux")
	if err != nil {
		return err
	}
	namespaces, _ := linux["namespaces"].([]any)
	kept := []any{}
	for _, ns := range namespaces {
		if m, ok := ns.(map[string]any); ok && m["type"] == "network" {
			continue
		}
		kept = append(kept, ns)
	}
	linux["namespaces"] = kept
	out, err := json.MarshalIndent(spec, "", "\t")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(out, '\n'), 0o644)
}

// object returns the JSON object under key, or an error naming what is missing.
func object(m map[string]any, key string) (map[string]any, error) {
	o, ok := m[key].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("config.json: no %q object", key)
	}
	return o, nil
}
