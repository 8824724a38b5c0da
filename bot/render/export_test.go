package render

// BlueskyFacetsExact is RichText's detection without lumobot's deliberate differences, for
// the differential test.
var BlueskyFacetsExact = blueskyFacetsExact
