/*
 * A stand-in for OpenSearch's distribution module `rule-framework` (modules/autotagging-commons),
 * which the security plugin 3.4 names in extended.plugins. The integ-test-zip leaves the module out
 * and Maven Central does not publish it; without a plugin of that name the security plugin refuses
 * to install. The security plugin's extensions of it are loaded only by the real module, so an
 * empty extensible plugin is enough (docs/research/issue-15-secured-node.md, section 2).
 * Written for searchops.snapshots' local stack; compiled by tools/stack.py with the node's JDK.
 */
package org.opensearch.rule;

import org.opensearch.plugins.ExtensiblePlugin;
import org.opensearch.plugins.Plugin;

public class RuleFrameworkPlugin extends Plugin implements ExtensiblePlugin {
}
