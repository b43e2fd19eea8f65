# Copyright: searchops.snapshots contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The index names that Elasticsearch (7.10, 8.x), OpenSearch (2.x, 3.x) and their common plugins
reserve for themselves (system indices), as a pure table. A name that starts with "." is not a
system index by that alone: a user may create ".my-index", and data-stream backing indices are
named ".ds-<stream>-<generation>"; both are restored like any index.

Sources (checked 2026-11; see docs/design.md, "Data streams and system indices"):
- OpenSearch: the security plugin's docs "System indexes" (.opendistro_security and the demo
  configuration's plugins.security.system_indices.indices: .plugins-ml-*, .opendistro-*,
  .opensearch-notifications-*, .opensearch-observability, .ql-datasources,
  .replication-metadata-store, .opensearch-knn-models, .geospatial-ip2geo-data,
  .opensearch-sap-*), the job scheduler's SystemIndexDescriptors (.opendistro-job-scheduler-lock,
  .job-scheduler-history), OpenSearch Dashboards (.opensearch_dashboards*, .kibana*), core's .tasks.
- Elasticsearch: the SystemIndexDescriptor of each module and X-Pack plugin (.security-7 and
  .security-*, .tasks, .async-search, .geoip_databases, .fleet-*, .ml-*, .transform-*, .watches,
  .triggered_watches, .enrich-*, .snapshot-blob-cache, .logstash, .apm-*, .synonyms*,
  .elastic-connectors*, .inference*, .query-rules*, Kibana's .kibana*).
- Amazon OpenSearch Service, "Restoring snapshots": restore with "indices": "-.kibana*,-.opendistro*"
  (the AWS sample client also leaves out .opendistro_security and .opendistro-*).
- The Learning to Rank plugin (both engines) keeps its feature stores in .ltrstore*.
- This collection keeps snapshot manifests and restore drill records in two hidden indices of its own
  (_manifest.py); a restore leaves them out like the engines' own, so they never collide with the live ones.
"""

from __future__ import annotations

import re

# (pattern, owner): "*" matches any characters; the owner says who reserves the names.
SYSTEM_INDICES = (
    (".tasks", "Elasticsearch and OpenSearch (task results)"),
    (".kibana*", "Kibana and OpenSearch Dashboards"),
    (".opensearch_dashboards*", "OpenSearch Dashboards"),
    (".opendistro*", "OpenSearch and Open Distro plugins (security, alerting, ISM, job scheduler, reports, ...)"),
    (".opensearch-*", "OpenSearch plugins (notifications, observability, k-NN, security analytics)"),
    (".plugins-*", "OpenSearch plugins (ML Commons, flow framework, ...)"),
    (".ql-*", "OpenSearch SQL/PPL (data sources)"),
    (".replication-metadata-store", "OpenSearch cross-cluster replication"),
    (".geospatial-*", "OpenSearch geospatial (IP2Geo)"),
    (".job-scheduler*", "OpenSearch job scheduler"),
    (".security*", "Elasticsearch security"),
    (".async-search*", "Elasticsearch async search"),
    (".geoip_databases", "Elasticsearch ingest GeoIP"),
    (".fleet-*", "Elasticsearch Fleet"),
    (".ml-*", "Elasticsearch machine learning"),
    (".transform-*", "Elasticsearch transforms"),
    (".watches", "Elasticsearch Watcher"),
    (".triggered_watches", "Elasticsearch Watcher"),
    (".enrich-*", "Elasticsearch enrich"),
    (".snapshot-blob-cache", "Elasticsearch searchable snapshots"),
    (".logstash", "Elasticsearch Logstash central management"),
    (".apm-*", "Elasticsearch APM"),
    (".synonyms*", "Elasticsearch synonyms"),
    (".elastic-connectors*", "Elasticsearch connectors"),
    (".inference*", "Elasticsearch inference"),
    (".query-rules*", "Elasticsearch query rules"),
    (".ltrstore*", "the Learning to Rank plugin"),
    ("searchops-manifests", "this collection (snapshot manifests, es_snapshot)"),
    ("searchops-drills", "this collection (restore drill records, es_snapshot_verify)"),
)


def wildcard(expression):
    """An index expression as a regex: index expressions know only the * wildcard."""
    return re.compile("^" + ".*".join(re.escape(part) for part in expression.split("*")) + "$")


_RULES = tuple((wildcard(pattern), pattern, owner) for pattern, owner in SYSTEM_INDICES)


def system_reason(name):
    """Why name is a system index (the rule and who reserves it), or None for a user's index."""
    for compiled, pattern, owner in _RULES:
        if compiled.match(name):
            return f"system index: {pattern} is reserved by {owner}"
    return None
