package cloudsim

// ssmOps answers ... (to be written).
var ssmOps = map[string]awsHandler{}
