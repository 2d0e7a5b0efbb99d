package cloudsim

import (
	"crypto/sha256"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"
)

// KMS (JSON 1.1, TrentService): the keys of the request's account and
// region, customer-managed and AWS-managed alike, as ListKeys lists both.
var kmsOps = map[string]awsHandler{
	"ListKeys":             kmsListKeys,
	"DescribeKey":          kmsDescribeKey,
	"GetKeyRotationStatus": kmsGetKeyRotationStatus,
	"ListAliases":          kmsListAliases,
	"ListResourceTags":     kmsListResourceTags,
}

// Defaults of a world key's fields.
const (
	kmsDefaultRotationDays = 365
	kmsManagerCustomer     = "CUSTOMER"
	kmsManagerAWS          = "AWS"
	kmsSymmetric           = "SYMMETRIC_DEFAULT"
	kmsOriginAWS           = "AWS_KMS"
	kmsStateEnabled        = "Enabled"
	kmsStatePendingDelete  = "PendingDeletion"
	ebsManagedAlias        = "alias/aws/ebs"
)

// kmsEpoch is the creation date of keys the world gives none.
var kmsEpoch = time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)

// kmsKey is a world key with its defaults filled in and its ARN.
type kmsKey struct {
	*KMSKey
	Arn     string
	Aliases []string // "alias/..." names
}

func (k kmsKey) manager() string { return orDefault(k.KeyManager, kmsManagerCustomer) }
func (k kmsKey) spec() string    { return orDefault(k.KeySpec, kmsSymmetric) }
func (k kmsKey) state() string   { return orDefault(k.KeyState, kmsStateEnabled) }
func (k kmsKey) origin() string  { return orDefault(k.Origin, kmsOriginAWS) }
func (k kmsKey) created() time.Time {
	if k.Created.IsZero() {
		return kmsEpoch
	}
	return k.Created
}

func (k kmsKey) usage() string {
	if k.KeyUsage != "" {
		return k.KeyUsage
	}
	s := k.spec()
	switch {
	case strings.HasPrefix(s, "HMAC_"):
		return "GENERATE_VERIFY_MAC"
	case strings.HasPrefix(s, "ECC_"), strings.HasPrefix(s, "ML_DSA_"), s == "SM2":
		return "SIGN_VERIFY"
	case strings.HasPrefix(s, "ML_KEM_"):
		return "ENCAPSULATE_DECAPSULATE"
	}
	return "ENCRYPT_DECRYPT"
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// aliasName puts the "alias/" prefix on a world alias.
func aliasName(a string) string {
	if strings.HasPrefix(a, "alias/") {
		return a
	}
	return "alias/" + a
}

func kmsARN(region, account, resource string) string {
	return fmt.Sprintf("arn:aws:kms:%s:%s:%s", region, account, resource)
}

// regionKeys returns the keys an account has in a region. AWS creates an
// AWS-managed key (aws/ebs, aws/rds) the first time a service encrypts
// with it; so when a volume or DB instance of the region uses one and the
// world lists no key under that alias, the key exists anyway, with an id
// derived from the account, region and alias, the same id RDS answers
// for it (rdsKeyARN), so every call names the same key.
func regionKeys(account, region string, reg *Region) []kmsKey {
	out := make([]kmsKey, 0, len(reg.Keys)+2)
	have := map[string]bool{}
	for _, k := range reg.Keys {
		kk := kmsKey{KMSKey: k, Arn: kmsARN(region, account, "key/"+k.ID)}
		for _, a := range k.Aliases {
			kk.Aliases = append(kk.Aliases, aliasName(a))
			have[aliasName(a)] = true
		}
		sort.Strings(kk.Aliases)
		out = append(out, kk)
	}
	for _, alias := range managedKeysUsed(reg) {
		if have[alias] {
			continue
		}
		sum := sha256.Sum256([]byte(account + "|" + region + "|" + alias))
		id := fmt.Sprintf("%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
		service := strings.TrimPrefix(alias, "alias/aws/")
		out = append(out, kmsKey{
			KMSKey: &KMSKey{ID: id, KeyManager: kmsManagerAWS,
				Description: fmt.Sprintf("Default key that protects my %s data when no other key is defined", strings.ToUpper(service))},
			Arn:     kmsARN(region, account, "key/"+id),
			Aliases: []string{alias},
		})
	}
	return out
}

// managedKeysUsed lists, sorted, the AWS-managed key aliases the region's
// encrypted volumes and DB instances use.
func managedKeysUsed(reg *Region) []string {
	used := map[string]bool{}
	for _, v := range reg.Volumes {
		if ref := volumeKeyRef(reg, v); v.Encrypted && strings.HasPrefix(ref, "alias/aws/") {
			used[ref] = true
		}
	}
	for _, d := range reg.DBInstances {
		ref := d.KMSKeyID
		if ref == "" {
			ref = rdsManagedAlias
		}
		if d.StorageEncrypted && strings.HasPrefix(ref, "alias/aws/") {
			used[ref] = true
		}
	}
	out := make([]string, 0, len(used))
	for a := range used {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// volumeKeyRef is the key a volume names in the world: its own, or the
// region's default EBS key.
func volumeKeyRef(reg *Region, v *Volume) string {
	switch {
	case v.KMSKeyID != "":
		return v.KMSKeyID
	case reg.EBSDefaultKMSKeyID != "":
		return reg.EBSDefaultKMSKeyID
	}
	return ebsManagedAlias
}

// findKey resolves a KeyId parameter: a key id or key ARN, and when
// aliases is set an alias name or alias ARN too. ARNs must name the
// request's account and region, as KMS only answers for its own.
func findKey(keys []kmsKey, account, region, ref string, aliases bool) (kmsKey, bool) {
	for _, k := range keys {
		if ref == k.ID || ref == k.Arn {
			return k, true
		}
		if !aliases {
			continue
		}
		for _, a := range k.Aliases {
			if ref == a || ref == kmsARN(region, account, a) {
				return k, true
			}
		}
	}
	return kmsKey{}, false
}

func (c *awsCall) kmsKeys() []kmsKey { return regionKeys(c.Account, c.Region, c.Reg()) }

// kmsMarker checks a Marker the way KMS does (InvalidMarkerException),
// before Page would answer with another code.
func (c *awsCall) kmsMarker(marker string) bool {
	if marker == "" {
		return true
	}
	if _, ok := decodeToken(c.Op, marker); !ok {
		c.Fail(http.StatusBadRequest, "InvalidMarkerException", "The request was rejected because the marker that specifies where pagination should next begin is not valid.")
		return false
	}
	return true
}

// kmsLimit refuses a Limit outside 1-max; Page would take an explicit
// zero for "none given".
func (c *awsCall) kmsLimit(limit *int, most int) bool {
	if limit != nil && (*limit < 1 || *limit > most) {
		c.ValidationError(fmt.Sprintf("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value between 1 and %d", *limit, most))
		return false
	}
	return true
}

func kmsInt(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// kmsKeyParam reads the required KeyId parameter and resolves it, answering
// ValidationException or NotFoundException itself.
func (c *awsCall) kmsKeyParam(aliases bool) (kmsKey, bool) {
	var in struct {
		KeyID string `json:"KeyId"`
	}
	if !c.Decode(&in) {
		return kmsKey{}, false
	}
	if in.KeyID == "" {
		c.Fail(http.StatusBadRequest, "ValidationException", "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null")
		return kmsKey{}, false
	}
	k, ok := findKey(c.kmsKeys(), c.Account, c.Region, in.KeyID, aliases)
	if !ok {
		msg := fmt.Sprintf("Invalid keyId '%s'", in.KeyID)
		switch {
		case strings.HasPrefix(in.KeyID, "alias/") || strings.Contains(in.KeyID, ":alias/"):
			if aliases {
				msg = fmt.Sprintf("Alias %s is not found.", in.KeyID)
			}
		case strings.HasPrefix(in.KeyID, "arn:"):
			msg = fmt.Sprintf("Key '%s' does not exist", in.KeyID)
		default:
			msg = fmt.Sprintf("Key '%s' does not exist", kmsARN(c.Region, c.Account, "key/"+in.KeyID))
		}
		c.Fail(http.StatusBadRequest, "NotFoundException", msg)
		return kmsKey{}, false
	}
	return k, true
}

func kmsListKeys(c *awsCall) {
	var in struct {
		Limit  *int
		Marker string
	}
	if !c.Decode(&in) || !c.kmsMarker(in.Marker) || !c.kmsLimit(in.Limit, 1000) {
		return
	}
	keys := c.kmsKeys()
	lo, hi, next, ok := c.Page(len(keys), kmsInt(in.Limit), in.Marker, Paging{Default: 100, Min: 1, Max: 1000})
	if !ok {
		return
	}
	type entry struct {
		KeyID  string `json:"KeyId"`
		KeyArn string
	}
	out := struct {
		Keys       []entry
		Truncated  bool
		NextMarker string `json:",omitempty"`
	}{Keys: []entry{}, Truncated: next != "", NextMarker: next}
	for _, k := range keys[lo:hi] {
		out.Keys = append(out.Keys, entry{k.ID, k.Arn})
	}
	c.JSON(out)
}

func kmsDescribeKey(c *awsCall) {
	k, ok := c.kmsKeyParam(true)
	if !ok {
		return
	}
	type metadata struct {
		AWSAccountID          string `json:"AWSAccountId"`
		KeyID                 string `json:"KeyId"`
		Arn                   string
		CreationDate          float64
		Enabled               bool
		Description           string
		KeyUsage              string
		KeyState              string
		DeletionDate          float64 `json:",omitempty"`
		Origin                string
		CustomKeyStoreID      string `json:"CustomKeyStoreId,omitempty"`
		KeyManager            string
		KeySpec               string
		CustomerMasterKeySpec string
		EncryptionAlgorithms  []string `json:",omitempty"`
		SigningAlgorithms     []string `json:",omitempty"`
		MacAlgorithms         []string `json:",omitempty"`
		MultiRegion           bool
	}
	m := metadata{
		AWSAccountID: c.Account, KeyID: k.ID, Arn: k.Arn,
		CreationDate: float64(k.created().Unix()), Enabled: k.state() == kmsStateEnabled,
		Description: k.Description, KeyUsage: k.usage(), KeyState: k.state(), Origin: k.origin(),
		KeyManager: k.manager(), KeySpec: k.spec(), CustomerMasterKeySpec: k.spec(), MultiRegion: k.MultiRegion,
		CustomKeyStoreID: k.CustomKeyStore,
	}
	if k.state() == kmsStatePendingDelete {
		when := k.DeletionDate
		if when.IsZero() {
			when = k.created().AddDate(0, 0, 30)
		}
		m.DeletionDate = float64(when.Unix())
	}
	switch k.usage() {
	case "ENCRYPT_DECRYPT":
		if k.spec() == kmsSymmetric {
			m.EncryptionAlgorithms = []string{"SYMMETRIC_DEFAULT"}
		} else {
			m.EncryptionAlgorithms = []string{"RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"}
		}
	case "SIGN_VERIFY":
		m.SigningAlgorithms = []string{"ECDSA_SHA_256"}
	case "GENERATE_VERIFY_MAC":
		m.MacAlgorithms = []string{strings.Replace(k.spec(), "HMAC_", "HMAC_SHA_", 1)}
	}
	c.JSON(struct{ KeyMetadata metadata }{m})
}

// kmsGetKeyRotationStatus answers as KMS documents: AWS-managed keys
// always read true (yearly); keys automatic rotation does not apply to
// (asymmetric, HMAC, imported material, custom key stores) get
// UnsupportedOperationException; a key pending deletion reads false,
// whatever it was before ("While a KMS key is pending deletion, its key
// rotation status is false", the GetKeyRotationStatus reference), rather
// than KMSInvalidStateException, which KMS keeps for changing rotation.
// Only key ids and key ARNs are accepted, as the API reference says.
func kmsGetKeyRotationStatus(c *awsCall) {
	k, ok := c.kmsKeyParam(false)
	if !ok {
		return
	}
	out := struct {
		KeyID                string `json:"KeyId"`
		KeyRotationEnabled   bool
		RotationPeriodInDays int `json:",omitempty"`
	}{KeyID: k.Arn}
	switch {
	case k.manager() == kmsManagerAWS:
		out.KeyRotationEnabled, out.RotationPeriodInDays = true, kmsDefaultRotationDays
	case k.spec() != kmsSymmetric || k.origin() != kmsOriginAWS:
		c.Fail(http.StatusBadRequest, "UnsupportedOperationException",
			fmt.Sprintf("%s key is not supported for this operation: automatic rotation applies only to symmetric encryption keys with key material generated by KMS", k.Arn))
		return
	case k.state() == kmsStatePendingDelete:
	case k.Rotation:
		out.KeyRotationEnabled = true
		out.RotationPeriodInDays = k.RotationPeriodDays
		if out.RotationPeriodInDays == 0 {
			out.RotationPeriodInDays = kmsDefaultRotationDays
		}
		if k.OmitRotationPeriod {
			out.RotationPeriodInDays = 0
		}
	}
	c.JSON(out)
}

func kmsListAliases(c *awsCall) {
	var in struct {
		KeyID  string `json:"KeyId"`
		Limit  *int
		Marker string
	}
	if !c.Decode(&in) || !c.kmsMarker(in.Marker) || !c.kmsLimit(in.Limit, 100) {
		return
	}
	type alias struct {
		AliasName, AliasArn           string
		TargetKeyID                   string `json:"TargetKeyId"`
		CreationDate, LastUpdatedDate float64
	}
	keys := c.kmsKeys()
	var only string
	if in.KeyID != "" {
		k, ok := findKey(keys, c.Account, c.Region, in.KeyID, false)
		if !ok {
			c.Fail(http.StatusBadRequest, "NotFoundException", fmt.Sprintf("Key '%s' does not exist", in.KeyID))
			return
		}
		only = k.ID
	}
	var all []alias
	for _, k := range keys {
		if only != "" && k.ID != only {
			continue
		}
		for _, a := range k.Aliases {
			t := float64(k.created().Unix())
			all = append(all, alias{a, kmsARN(c.Region, c.Account, a), k.ID, t, t})
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].AliasName < all[j].AliasName })
	lo, hi, next, ok := c.Page(len(all), kmsInt(in.Limit), in.Marker, Paging{Default: 50, Min: 1, Max: 100})
	if !ok {
		return
	}
	out := struct {
		Aliases    []alias
		Truncated  bool
		NextMarker string `json:",omitempty"`
	}{Aliases: append([]alias{}, all[lo:hi]...), Truncated: next != "", NextMarker: next}
	c.JSON(out)
}

// kmsListResourceTags answers a key's tags in key order. KMS takes a key
// id or key ARN here, not an alias; Limit is 1-50 and defaults to 50.
func kmsListResourceTags(c *awsCall) {
	var in struct {
		Limit  *int
		Marker string
	}
	if !c.Decode(&in) || !c.kmsMarker(in.Marker) || !c.kmsLimit(in.Limit, 50) {
		return
	}
	k, ok := c.kmsKeyParam(false)
	if !ok {
		return
	}
	type tag struct{ TagKey, TagValue string }
	all := make([]tag, 0, len(k.Tags))
	for _, key := range slices.Sorted(maps.Keys(k.Tags)) {
		all = append(all, tag{key, k.Tags[key]})
	}
	lo, hi, next, ok := c.Page(len(all), kmsInt(in.Limit), in.Marker, Paging{Default: 50, Min: 1, Max: 50})
	if !ok {
		return
	}
	c.JSON(struct {
		Tags       []tag
		Truncated  bool
		NextMarker string `json:",omitempty"`
	}{Tags: append([]tag{}, all[lo:hi]...), Truncated: next != "", NextMarker: next})
}
