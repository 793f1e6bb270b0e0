package engine

type site struct{}
