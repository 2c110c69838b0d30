module stacklab/bench

go 1.19
