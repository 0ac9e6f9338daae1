package http

// enterprisePages are the pages enterprise staff use: the calculator,
// application forms, their applications and each one's timeline.
func (s *Server) enterprisePages() []Route { return nil }
