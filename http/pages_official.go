package http

// officialPages are the pages officials use: queues per role, a case with
// its actions, an enterprise's file, the audit log and the dashboard.
func (s *Server) officialPages() []Route { return nil }
