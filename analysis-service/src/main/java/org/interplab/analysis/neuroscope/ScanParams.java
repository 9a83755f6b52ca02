package org.interplab.analysis.neuroscope;

import org.interplab.core.neuroscope.ScanSettings;

/** What one scan does, stored with it so that every shard of the scan, on any replica, uses the same. */
public record ScanParams(ScanSettings settings, int storiesPerBatch, int groupsPerShard, long maxTokens) {
}
