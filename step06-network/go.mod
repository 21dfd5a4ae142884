module contain/step06-network

go 1.22.0

require (
	contain/testkit v0.0.0-00010101000000-000000000000
	github.com/spf13/pflag v1.1.0
	github.com/stretchr/testify v1.12.1
	golang.org/x/sys v0.30.0
)

require (
	github.com/rogpeppe/go-internal v1.13.1 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/tools v0.26.0 // indirect
)

replace contain/testkit => ../tools/testkit
