package cloudsim

// iamOps answers ... (to be written).
var iamOps = map[string]awsHandler{}
