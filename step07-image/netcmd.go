// Host side: `contain network`: create, ls, inspect, rm and prune.

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"text/tabwriter"
	"time"
)

const networkUsage = `Usage: contain network COMMAND

  create [--subnet CIDR] NAME   Create a network (default subnet: the next free /24 of 10.89.0.0/16)
  ls                            List networks
  inspect NETWORK...            Show networks and their containers, as JSON
  rm NETWORK...                 Remove networks that no container uses
  prune                         Remove every user network that no container uses
`

func networkCmd(args []string) error {
	fs := newFlagSet("network")
	if err := parseFlags(fs, args, networkUsage); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fmt.Fprint(os.Stderr, networkUsage)
		return &exitError{code: exitEngine}
	}
	sub, rest := fs.Arg(0), fs.Args()[1:]
	if sub == "ls" || sub == "inspect" {
		return showNetworks(sub, rest)
	}
	unlock, err := lockState()
	if err != nil {
		return fmt.Errorf("network: %w", err)
	}
	defer unlock()
	all, err := listContainers()
	if err != nil {
		return fmt.Errorf("network: %w", err)
	}
	switch sub {
	case "create":
		cfs := newFlagSet("network create")
		subnet := cfs.String("subnet", "", "the network's subnet")
		if err := parseFlags(cfs, rest, networkUsage); err != nil {
			return err
		}
		if cfs.NArg() != 1 {
			return errors.New("network create: usage: contain network create [--subnet CIDR] NAME")
		}
		n, err := createNetwork(cfs.Arg(0), *subnet)
		if err != nil {
			return fmt.Errorf("network create: %w", err)
		}
		fmt.Println(n.ID)
		return nil
	case "rm":
		if len(rest) == 0 {
			return errors.New("network rm: usage: contain network rm NETWORK...")
		}
		return eachName("network rm", rest, func(name string) error {
			if name == "host" || name == "none" {
				return fmt.Errorf("%s is a predefined network: it cannot be removed", name)
			}
			n, err := findNetwork(name)
			if err != nil {
				return err
			}
			return removeNetwork(n, all)
		})
	case "prune":
		nets, err := listNetworks()
		if err != nil {
			return fmt.Errorf("network prune: %w", err)
		}
		for _, n := range nets {
			if n.Name != defaultNetwork && len(n.members(all)) == 0 {
				if err := removeNetwork(n, all); err != nil {
					return fmt.Errorf("network prune: %w", err)
				}
				fmt.Println(n.Name)
			}
		}
		return nil
	}
	return fmt.Errorf("network: unknown command %q (see 'contain network --help')", sub)
}

// networkView is a network as docker network inspect shows one.
type networkView struct {
	Name    string    `json:"Name"`
	ID      string    `json:"Id"`
	Created time.Time `json:"Created"`
	Driver  string    `json:"Driver"`
	IPAM    struct {
		Config []map[string]string `json:"Config"`
	} `json:"IPAM"`
	Options    map[string]string            `json:"Options"`
	Containers map[string]map[string]string `json:"Containers"`
}

func showNetworks(sub string, refs []string) error {
	all, err := listNetworks()
	if err != nil {
		return fmt.Errorf("network %s: %w", sub, err)
	}
	if sub == "ls" {
		w := tabwriter.NewWriter(os.Stdout, 0, 0, 3, ' ', 0)
		fmt.Fprintln(w, "NETWORK ID\tNAME\tDRIVER\tSUBNET")
		for _, n := range all {
			fmt.Fprintf(w, "%s\t%s\tbridge\t%s\n", n.ID[:12], n.Name, n.Subnet)
		}
		fmt.Fprintf(w, "%s\thost\thost\t\n", hexSum("host")[:12])
		fmt.Fprintf(w, "%s\tnone\tnull\t\n", hexSum("none")[:12])
		return w.Flush()
	}
	if len(refs) == 0 {
		return errors.New("network inspect: usage: contain network inspect NETWORK...")
	}
	ctrs, err := listContainers()
	if err != nil {
		return fmt.Errorf("network inspect: %w", err)
	}
	views := []networkView{}
	for _, ref := range refs {
		n, err := findNetwork(ref)
		if err != nil {
			return fmt.Errorf("network inspect: %w", err)
		}
		v := networkView{Name: n.Name, ID: n.ID, Created: n.Created, Driver: "bridge",
			Options:    map[string]string{"com.docker.network.bridge.name": n.Bridge},
			Containers: map[string]map[string]string{}}
		v.IPAM.Config = []map[string]string{{"Subnet": n.Subnet.String(),
			"Gateway": n.Gateway.String()}}
		for _, c := range n.members(ctrs) {
			a := c.Config.Network.Address
			v.Containers[c.ID] = map[string]string{"Name": c.Name,
				"IPv4Address": a.String(), "MacAddress": macAddress(a.Addr())}
		}
		views = append(views, v)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "    ")
	return enc.Encode(views)
}
