package azure

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/keyvault/armkeyvault"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/sql/armsql"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/storage/armstorage/v2"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys"

	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/scanners"
)

const (
	typeDisk     = "microsoft.compute/disks"
	typeStorage  = "microsoft.storage/storageaccounts"
	typeSQL      = "microsoft.sql/servers"
	typeDatabase = "microsoft.sql/servers/databases"
	typeVault    = "microsoft.keyvault/vaults"
)

// Operations the encryption scanner calls beyond Resource Graph, named by
// the RBAC action they need.
const (
	opTDE        = "Microsoft.Sql/servers/databases/transparentDataEncryption/read"
	opProtector  = "Microsoft.Sql/servers/encryptionProtector/read"
	opListKeys   = "Microsoft.KeyVault/vaults/keys/read"
	opKeyPolicy  = "Microsoft.KeyVault/vaults/keyrotationpolicies/read"
	armFetches   = 8
	vaultFetches = 8
)

// encryptionTypes are the types the encryption scanner reads from the
// graph.
var encryptionTypes = []string{inventory.AzureDisk, inventory.AzureStorageAccount, inventory.AzureSQLServer, inventory.AzureKeyVaultKey}

// scanEncryption reads the managed disks, storage accounts, SQL servers
// with their databases, and key vaults of the target's subscriptions from
// Resource Graph in one query per batch of subscriptions. What the graph
// does not hold is read per item: each SQL server's encryption protector
// and each database's transparent data encryption from Resource Manager,
// each vault's keys from Resource Manager and each key's rotation policy
// from the vault itself (its data plane).
func scanEncryption(ctx context.Context, e *env, t scanners.Target, out *scanners.Sink) error {
	subs, err := e.subscriptions(ctx, t, out)
	if err != nil {
		return err
	}
	rows := e.graph(ctx, out, scanners.Scope{Cloud: inventory.Azure, Target: t.String(), Domain: inventory.Encryption}, subs,
		graphType("resources", typeDisk, typeStorage, typeSQL, typeDatabase, typeVault))
	defer rows.failLate(out, inventory.Encryption, encryptionTypes)
	scanners.EachTarget(out, inventory.Azure, inventory.Encryption, subs, func(s *subscription) {
		raws, err := rows.of(s.ID)
		var byType map[string][]typedRow
		if err == nil {
			byType, err = splitRows(s, raws)
		}
		if err != nil {
			out.Fail(scanError(s.ID, "", inventory.Encryption, graphRead, encryptionTypes, err))
			return
		}
		for _, r := range byType[typeDisk] {
			out.Add(diskResource(s.ID, r))
		}
		for _, r := range byType[typeStorage] {
			out.Add(storageResource(s.ID, r))
		}
		es := &encryptionScan{e: e, s: s, out: out}
		g := out.Group(s.scope(inventory.Encryption), 0)
		g.Go(func() { es.sqlServers(ctx, byType[typeSQL], byType[typeDatabase]) })
		g.Go(func() { es.vaults(ctx, byType[typeVault]) })
		g.Wait()
		es.failures.Flush(out)
	})
	return nil
}

// encryptionScan is one subscription's per-item encryption reads.
type encryptionScan struct {
	e        *env
	s        *subscription
	out      *scanners.Sink
	failures scanners.Failures
}

func (es *encryptionScan) fail(operation string, types []string, err error) {
	es.failures.Add(scanError(es.s.ID, "", inventory.Encryption, operation, types, err))
}

// diskResource reads a managed disk's encryption at rest: its type names
// the key (platform, customer, or both) and, for customer keys, the disk
// encryption set. Azure encrypts every managed disk at rest; a disk whose
// encryption could not be read stays unknown.
func diskResource(sub string, r typedRow) inventory.Resource {
	res := inventory.Resource{Cloud: inventory.Azure, Target: sub, Region: r.Location, Type: inventory.AzureDisk,
		ID: r.ID, Name: r.Name, Tags: r.Tags, Volume: &inventory.Volume{}}
	var d armcompute.Disk
	if err := json.Unmarshal(r.raw, &d); err != nil {
		return res
	}
	if d.ManagedBy != nil && *d.ManagedBy != "" {
		res.Volume.AttachedTo = []string{*d.ManagedBy}
	}
	if d.Properties == nil || d.Properties.Encryption == nil || d.Properties.Encryption.Type == nil {
		return res
	}
	switch *d.Properties.Encryption.Type {
	case armcompute.EncryptionTypeEncryptionAtRestWithPlatformKey:
		res.Volume.Encrypted, res.Volume.KeyManager = inventory.True, inventory.Known(inventory.KeyProvider)
	case armcompute.EncryptionTypeEncryptionAtRestWithCustomerKey, armcompute.EncryptionTypeEncryptionAtRestWithPlatformAndCustomerKeys:
		res.Volume.Encrypted, res.Volume.KeyManager = inventory.True, inventory.Known(inventory.KeyCustomer)
		res.Volume.KeyID = deref(d.Properties.Encryption.DiskEncryptionSetID)
	}
	return res
}

// storageResource reads a storage account's transport and encryption
// settings, and its access keys' creation times. An absent
// minimumTlsVersion means TLS 1.0, as Azure documents; an absent
// supportsHttpsTrafficOnly or allowBlobPublicAccess stays unknown, since
// their defaults changed over API versions. The keys count as active
// unless shared key access is off.
func storageResource(sub string, r typedRow) inventory.Resource {
	res := inventory.Resource{Cloud: inventory.Azure, Target: sub, Region: r.Location, Type: inventory.AzureStorageAccount,
		ID: r.ID, Name: r.Name, Tags: r.Tags, Storage: &inventory.Storage{},
		Identity: &inventory.Identity{Kind: inventory.IdentityStorageAccount}}
	var a armstorage.Account
	if err := json.Unmarshal(r.raw, &a); err != nil || a.Properties == nil {
		return res
	}
	p := a.Properties
	if p.EnableHTTPSTrafficOnly != nil {
		res.Storage.HTTPSOnly = inventory.Known(*p.EnableHTTPSTrafficOnly)
	}
	if p.AllowBlobPublicAccess != nil {
		res.Storage.PublicAccess = inventory.Known(*p.AllowBlobPublicAccess)
	}
	res.Storage.MinTLSVersion = inventory.Known("1.0")
	if p.MinimumTLSVersion != nil {
		res.Storage.MinTLSVersion = inventory.Known(tlsVersion(string(*p.MinimumTLSVersion)))
	}
	if p.Encryption != nil {
		// Storage service encryption cannot be turned off.
		res.Storage.Encrypted = inventory.True
		switch {
		case p.Encryption.KeySource == nil:
		case strings.EqualFold(string(*p.Encryption.KeySource), string(armstorage.KeySourceMicrosoftKeyvault)):
			res.Storage.KeyManager = inventory.Known(inventory.KeyCustomer)
		case strings.EqualFold(string(*p.Encryption.KeySource), string(armstorage.KeySourceMicrosoftStorage)):
			res.Storage.KeyManager = inventory.Known(inventory.KeyProvider)
		}
	}
	active := inventory.Known(p.AllowSharedKeyAccess == nil || *p.AllowSharedKeyAccess)
	var created [2]inventory.Time
	if kc := p.KeyCreationTime; kc != nil {
		if kc.Key1 != nil {
			created[0] = inventory.Known(kc.Key1.UTC())
		}
		if kc.Key2 != nil {
			created[1] = inventory.Known(kc.Key2.UTC())
		}
	}
	res.Identity.Keys = inventory.Known([]inventory.AccessKey{
		{ID: "key1", Active: active, Created: created[0]},
		{ID: "key2", Active: active, Created: created[1]},
	})
	return res
}

// tlsVersion turns Azure's TLS version names (TLS1_2, 1.2, None) into
// "1.2". SQL's None enforces no minimum, so TLS 1.0 gets in.
func tlsVersion(v string) string {
	switch s := strings.ToUpper(strings.TrimSpace(v)); {
	case strings.HasPrefix(s, "TLS1_"):
		return "1." + strings.TrimPrefix(s, "TLS1_")
	case s == "NONE":
		return "1.0"
	default:
		return v
	}
}

// sqlServers reads each SQL server's encryption protector and each of its
// user databases' transparent data encryption. A server is unencrypted
// when any database has encryption off, and unknown while any could not
// be read.
func (es *encryptionScan) sqlServers(ctx context.Context, servers, databases []typedRow) {
	if len(servers) == 0 {
		return
	}
	cc, sub := es.s.cloud, es.s.ID
	protectors, perr := armsql.NewEncryptionProtectorsClient(sub, cc.cred, cc.arm)
	tde, terr := armsql.NewTransparentDataEncryptionsClient(sub, cc.cred, cc.arm)
	if err := firstErr(perr, terr); err != nil {
		es.fail(opTDE, []string{inventory.AzureSQLServer}, err)
		return
	}
	dbs := map[string][]typedRow{}
	for _, d := range databases {
		server, _, _ := strings.Cut(strings.ToLower(d.ID), "/databases/")
		if strings.EqualFold(d.Name, "master") {
			continue // the system database, which TDE does not cover
		}
		dbs[server] = append(dbs[server], d)
	}
	type read struct {
		res    inventory.Resource
		mu     sync.Mutex
		states []inventory.Bool
	}
	reads := make([]*read, len(servers))
	g := es.out.Fetches(es.s.scope(inventory.Encryption), armFetches)
	for i, srv := range servers {
		x := &read{res: inventory.Resource{Cloud: inventory.Azure, Target: sub, Region: srv.Location, Type: inventory.AzureSQLServer,
			ID: srv.ID, Name: srv.Name, Tags: srv.Tags,
			// Azure SQL always encrypts connections; what varies is the
			// lowest TLS version it accepts.
			Database: &inventory.Database{Engine: "sqlserver", RequireTLS: inventory.True}}}
		reads[i] = x
		var server armsql.Server
		if err := json.Unmarshal(srv.raw, &server); err == nil && server.Properties != nil && server.Properties.MinimalTLSVersion != nil {
			x.res.Database.MinTLSVersion = inventory.Known(tlsVersion(*server.Properties.MinimalTLSVersion))
		}
		g.Go(func() {
			got, err := protectors.Get(ctx, srv.ResourceGroup, srv.Name, armsql.EncryptionProtectorNameCurrent, nil)
			if err != nil {
				es.fail(opProtector, []string{inventory.AzureSQLServer}, err)
				return
			}
			if got.Properties != nil && got.Properties.ServerKeyType != nil {
				manager := inventory.KeyProvider
				if *got.Properties.ServerKeyType == armsql.ServerKeyTypeAzureKeyVault {
					manager = inventory.KeyCustomer
				}
				x.mu.Lock()
				x.res.Database.KeyManager = inventory.Known(manager)
				x.mu.Unlock()
			}
		})
		for _, db := range dbs[strings.ToLower(srv.ID)] {
			g.Go(func() {
				state := inventory.Bool{}
				got, err := tde.Get(ctx, srv.ResourceGroup, srv.Name, db.Name, armsql.TransparentDataEncryptionNameCurrent, nil)
				switch {
				case err != nil:
					es.fail(opTDE, []string{inventory.AzureSQLServer}, err)
				case got.Properties != nil && got.Properties.State != nil:
					state = inventory.Known(*got.Properties.State == armsql.TransparentDataEncryptionStateEnabled)
				}
				x.mu.Lock()
				x.states = append(x.states, state)
				x.mu.Unlock()
			})
		}
	}
	g.Wait()
	for _, x := range reads {
		x.res.Database.StorageEncrypted = allTrue(x.states)
		es.out.Add(x.res)
	}
}

// allTrue is false when any value is known false, unknown when any is
// unknown, and true otherwise (a server without user databases has
// nothing unencrypted).
func allTrue(vs []inventory.Bool) inventory.Bool {
	unknown := false
	for _, v := range vs {
		on, ok := v.Get()
		if ok && !on {
			return inventory.False
		}
		unknown = unknown || !ok
	}
	if unknown {
		return inventory.Bool{}
	}
	return inventory.True
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// vaults lists each vault's keys through Resource Manager, which a
// vault's firewall does not stop, and reads each key's rotation policy
// from the vault. A policy the vault refuses (its firewall, or the
// caller's data-plane role) leaves the key's rotation unknown.
func (es *encryptionScan) vaults(ctx context.Context, vaults []typedRow) {
	if len(vaults) == 0 {
		return
	}
	cc, sub := es.s.cloud, es.s.ID
	keys, err := armkeyvault.NewKeysClient(sub, cc.cred, cc.arm)
	if err != nil {
		es.fail(opListKeys, []string{inventory.AzureKeyVaultKey}, err)
		return
	}
	g := es.out.Group(es.s.scope(inventory.Encryption), armFetches)
	for _, v := range vaults {
		g.Go(func() { es.vault(ctx, keys, v) })
	}
	g.Wait()
}

func (es *encryptionScan) vault(ctx context.Context, keys *armkeyvault.KeysClient, v typedRow) {
	var vault armkeyvault.Vault
	if err := json.Unmarshal(v.raw, &vault); err != nil || vault.Properties == nil || vault.Properties.VaultURI == nil {
		es.fail(graphRead, []string{inventory.AzureKeyVaultKey}, fmt.Errorf("vault %s has no vault URI", v.ID))
		return
	}
	var list []*armkeyvault.Key
	p := keys.NewListPager(v.ResourceGroup, v.Name, nil)
	for p.More() {
		page, err := p.NextPage(ctx)
		if err != nil {
			es.fail(opListKeys, []string{inventory.AzureKeyVaultKey}, err)
			return
		}
		list = append(list, page.Value...)
	}
	if len(list) == 0 {
		return
	}
	cc := es.s.cloud
	data, err := azkeys.NewClient(*vault.Properties.VaultURI, cc.cred, &azkeys.ClientOptions{ClientOptions: cc.data})
	if err != nil {
		es.fail(opKeyPolicy, []string{inventory.AzureKeyVaultKey}, err)
		return
	}
	g := es.out.Fetches(es.s.scope(inventory.Encryption), vaultFetches)
	first := true
	for _, k := range list {
		if k == nil || k.Name == nil {
			continue
		}
		res := keyResource(es.s.ID, v, k)
		fetch := func() {
			policy, err := data.GetKeyRotationPolicy(ctx, *k.Name, nil)
			if err != nil {
				es.fail(opKeyPolicy, []string{inventory.AzureKeyVaultKey}, err)
			} else {
				applyRotationPolicy(res.Key, policy.KeyRotationPolicy)
			}
			es.out.Add(res)
		}
		if first {
			// The vault's first request goes without a token and gets
			// the challenge that names its tenant; the client keeps the
			// answer. Reading one key before the rest means one challenge
			// a vault, not one for each read started at once.
			first = false
			g.Go(fetch)
			g.Wait()
			continue
		}
		g.Go(fetch)
	}
	g.Wait()
}

// keyResource is a key as Resource Manager lists it, under its Resource
// Manager id: Key Vault keys are the customer's, and automatic rotation
// applies to every key type.
func keyResource(sub string, v typedRow, k *armkeyvault.Key) inventory.Resource {
	id := v.ID + "/keys/" + *k.Name
	if k.ID != nil {
		id = *k.ID
	}
	res := inventory.Resource{Cloud: inventory.Azure, Target: sub, Region: v.Location, Type: inventory.AzureKeyVaultKey,
		ID: id, Name: *k.Name, Key: &inventory.Key{KeyManager: inventory.Known(inventory.KeyCustomer)}}
	if len(k.Tags) > 0 {
		res.Tags = map[string]string{}
		for tk, tv := range k.Tags {
			res.Tags[tk] = deref(tv)
		}
	}
	if p := k.Properties; p != nil {
		if p.Attributes != nil && p.Attributes.Enabled != nil {
			res.Key.State = "Disabled"
			if *p.Attributes.Enabled {
				res.Key.State = "Enabled"
			}
		}
		if p.Kty != nil {
			kty := strings.ToLower(string(*p.Kty))
			res.Key.Symmetric = inventory.Known(kty == "oct" || kty == "oct-hsm")
		}
	}
	return res
}

// applyRotationPolicy reads a rotation policy: rotation is on when a
// lifetime action rotates the key, after timeAfterCreate or at
// timeBeforeExpiry before the policy's expiryTime; the period is the
// shortest such interval.
func applyRotationPolicy(k *inventory.Key, p azkeys.KeyRotationPolicy) {
	var expiry string
	if p.Attributes != nil {
		expiry = deref(p.Attributes.ExpiryTime)
	}
	on, period, known := false, 0, true
	for _, a := range p.LifetimeActions {
		if a == nil || a.Action == nil || a.Action.Type == nil || !strings.EqualFold(string(*a.Action.Type), "rotate") {
			continue
		}
		on = true
		days, ok := 0, false
		if a.Trigger != nil {
			if after := deref(a.Trigger.TimeAfterCreate); after != "" {
				days, ok = durationDays(after)
			} else if before := deref(a.Trigger.TimeBeforeExpiry); before != "" {
				total, ok1 := durationDays(expiry)
				left, ok2 := durationDays(before)
				days, ok = total-left, ok1 && ok2
			}
		}
		switch {
		case !ok:
			known = false
		case period == 0 || days < period:
			period = days
		}
	}
	k.RotationEnabled = inventory.Known(on)
	if on && known {
		k.RotationPeriodDays = inventory.Known(period)
	}
}

var isoDuration = regexp.MustCompile(`^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$`)

// durationDays reads an ISO 8601 duration of years, months, weeks and
// days (Key Vault's P90D, P1Y, P2Y6M) as days: a year is 365, a month 30.
func durationDays(s string) (int, bool) {
	m := isoDuration.FindStringSubmatch(strings.ToUpper(strings.TrimSpace(s)))
	if m == nil || s == "P" {
		return 0, false
	}
	days := 0
	for i, mult := range []int{365, 30, 7, 1} {
		if m[i+1] == "" {
			continue
		}
		n, err := strconv.Atoi(m[i+1])
		if err != nil {
			return 0, false
		}
		days += n * mult
	}
	return days, true
}
