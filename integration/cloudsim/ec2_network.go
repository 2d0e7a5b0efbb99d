package cloudsim

// ec2NetworkOps answers ... (to be written).
var ec2NetworkOps = map[string]awsHandler{}
