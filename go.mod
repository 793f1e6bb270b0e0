module github.com/godbg/godbg

go 1.26.8
