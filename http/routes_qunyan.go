package http

// qunyanRoutes are the 群雁计划 registry's API routes and pages.
func (s *Server) qunyanRoutes() []Route { return nil }
