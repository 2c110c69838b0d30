module stacklab/validate

go 1.19
