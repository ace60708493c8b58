package sdnotify

import (
	"fmt"
	"net"
	"os"
	"strings"
)

// socketEnv is the environment variable naming the service manager's
// socket.
const socketEnv = "NOTIFY_SOCKET"

func notify(state string) error {
	return send(os.Getenv(socketEnv), state)
}

// send writes state as one datagram to socket: an absolute path, or an
// abstract socket written with a leading '@' (Go's net package maps it to
// the leading NUL of the abstract namespace). An empty socket is no
// service manager: nothing is sent.
func send(socket, state string) error {
	if socket == "" {
		return nil
	}
	if !strings.HasPrefix(socket, "/") && !strings.HasPrefix(socket, "@") {
		return fmt.Errorf("notify service manager: %s=%q is neither an absolute path nor an abstract socket (@name)", socketEnv, socket)
	}
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: socket, Net: "unixgram"})
	if err != nil {
		return fmt.Errorf("notify service manager: %w", err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(state)); err != nil {
		return fmt.Errorf("notify service manager: %w", err)
	}
	return nil
}
