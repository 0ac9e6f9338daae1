package duixian

// Zone is a geographic scope a document or clause applies to. Zones nest:
// the 60 km² core area and the bonded zone both lie inside 亦庄新城's 225 km².
// An enterprise's facts list every zone it is in (fact "zones"), so that a
// scope test is plain membership and needs no geography.
type Zone struct {
	ID     string
	Zh     string
	En     string
	Parent string
}

// Zones are the scopes the gazette names.
var Zones = []Zone{
	{ID: "yizhuang-225", Zh: "亦庄新城225平方公里范围", En: "Yizhuang New City (225 km²)"},
	{ID: "core-60", Zh: "经开区60平方公里范围", En: "the E-Town core area (60 km²)", Parent: "yizhuang-225"},
	{ID: "bonded", Zh: "亦庄综合保税区", En: "the Yizhuang comprehensive bonded zone", Parent: "yizhuang-225"},
}

// ZoneByID finds a zone.
func ZoneByID(id string) (Zone, bool) {
	for _, z := range Zones {
		if z.ID == id {
			return z, true
		}
	}
	return Zone{}, false
}
