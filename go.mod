module github.com/claimflow/claimflow

go 1.26.8
