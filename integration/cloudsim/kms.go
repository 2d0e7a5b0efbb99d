package cloudsim

// kmsOps answers ... (to be written).
var kmsOps = map[string]awsHandler{}
