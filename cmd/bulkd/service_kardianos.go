//go:build !windows

package main

import "github.com/kardianos/service"

// kardianosManager is a manager of nothing but kardianos/service, for the
// service managers bulkd knows no more about.
type kardianosManager struct {
	service.Service
}

func (k kardianosManager) Installed() ([]string, string, error) {
	if _, err := k.Status(); notInstalled(err) {
		return nil, "", err
	}
	return nil, "", errDefinitionUnknown
}

func (k kardianosManager) System() string { return k.Platform() }
func (k kardianosManager) LogPlace() string {
	return "wherever " + k.Platform() + " keeps a service's output"
}

func (k kardianosManager) LogSince() func(int) ([]string, error) { return nil }
