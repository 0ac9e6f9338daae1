package http

// landRoutes are the land-planning cases' API routes and pages.
func (s *Server) landRoutes() []Route { return nil }
