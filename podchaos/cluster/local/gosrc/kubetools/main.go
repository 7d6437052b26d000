// Command kubetools is kubeadm and kubectl in one binary, chosen by the name it is invoked as
// (argv[0]) or by its first argument: what a kind node needs beside the kubelet. It is a module of
// its own so that the kube binary of the local cluster keeps its cache key; both share GOCACHE.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	_ "time/tzdata"

	"k8s.io/component-base/cli"
	"k8s.io/kubectl/pkg/cmd"
	kubeadm "k8s.io/kubernetes/cmd/kubeadm/app"
)

func main() {
	name := filepath.Base(os.Args[0])
	if name != "kubeadm" && name != "kubectl" && len(os.Args) > 1 {
		name = os.Args[1]
		os.Args = os.Args[1:]
		os.Args[0] = name
	}
	switch name {
	case "kubeadm":
		if err := kubeadm.Run(); err != nil {
			os.Exit(1)
		}
	case "kubectl":
		command := cmd.NewDefaultKubectlCommand()
		if err := cli.RunNoErrOutput(command); err != nil {
			// Pretty-print the error and exit with an error.
			fmt.Fprintln(os.Stderr, "error:", err)
			os.Exit(1)
		}
	default:
		fmt.Fprintf(os.Stderr, "usage: kubetools {kubeadm|kubectl} [flags]\n")
		os.Exit(2)
	}
}
