package cloudsim

// rdsOps answers ... (to be written).
var rdsOps = map[string]awsHandler{}
