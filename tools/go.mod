module github.com/claimflow/claimflow/tools

go 1.26.8
