package cloudsim

// ec2StorageOps answers ... (to be written).
var ec2StorageOps = map[string]awsHandler{}
