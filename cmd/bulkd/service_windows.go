package main

import (
	"errors"
	"fmt"

	"github.com/kardianos/service"
	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/svc/mgr"
)

// platformManager adapts the Windows service manager.
func platformManager(s service.Service, name string) manager {
	return &windowsManager{Service: s, name: name}
}

// windowsManager is kardianos's Windows service, whose definition is read
// back from the service control manager.
type windowsManager struct {
	service.Service
	name string
}

func (w *windowsManager) System() string { return "windows-service" }

// Installed reads the service's command line with the least rights that
// allow it, so that it works without an elevated prompt.
func (w *windowsManager) Installed() ([]string, string, error) {
	h, err := windows.OpenSCManager(nil, nil, windows.SC_MANAGER_CONNECT)
	if err != nil {
		return nil, "", fmt.Errorf("connect to the service control manager: %w", err)
	}
	m := &mgr.Mgr{Handle: h}
	defer m.Disconnect()
	name, err := windows.UTF16PtrFromString(w.name)
	if err != nil {
		return nil, "", fmt.Errorf("service name: %w", err)
	}
	sh, err := windows.OpenService(h, name, windows.SERVICE_QUERY_CONFIG)
	if errors.Is(err, windows.ERROR_SERVICE_DOES_NOT_EXIST) {
		return nil, "", service.ErrNotInstalled
	}
	if err != nil {
		return nil, "", fmt.Errorf("open service %s: %w", w.name, err)
	}
	s := &mgr.Service{Name: w.name, Handle: sh}
	defer s.Close()
	c, err := s.Config()
	if err != nil {
		return nil, "", fmt.Errorf("read service %s: %w", w.name, err)
	}
	cmd, err := windows.DecomposeCommandLine(c.BinaryPathName)
	if err != nil {
		return nil, "", fmt.Errorf("read service %s's command line: %w", w.name, err)
	}
	return cmd, "Windows service " + w.name, nil
}

// LogPlace: kardianos registers an Event Log source for the service; the
// service writes its log there (serviceLog), beside the service control
// manager's start and stop errors.
func (w *windowsManager) LogPlace() string {
	return fmt.Sprintf("the Event Log (Windows Logs > Application, source %s; in PowerShell: Get-WinEvent -FilterHashtable @{LogName='Application'; ProviderName='%s'} -MaxEvents 20)", w.name, w.name)
}

func (w *windowsManager) LogSince() func(int) ([]string, error) { return nil }
