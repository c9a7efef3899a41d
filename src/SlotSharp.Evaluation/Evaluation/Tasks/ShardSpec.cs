using System.Globalization;

namespace SlotSharp.Evaluation.Tasks;

/// <summary>
/// Shard i of n (0-based): the documents whose 0-based position p in the run satisfies p % n == i. Interleaving keeps
/// the shards' sizes within one of each other and their mix of easy and hard problems similar.
/// </summary>
public sealed record ShardSpec(int Index, int Count)
{
    public static readonly ShardSpec Whole = new(0, 1);

    /// <summary>"i/n" with 0 &lt;= i &lt; n.</summary>
    public static ShardSpec Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int i)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1 && i < n)
            return new ShardSpec(i, n);
        throw new SlotSharpException($"shard must be 'i/n' with 0 <= i < n, got '{text}'");
    }

    /// <summary>1-based sample numbers of this shard among <paramref name="sampleCount"/>.</summary>
    internal IEnumerable<int> Samples(int sampleCount) =>
        Enumerable.Range(1, sampleCount).Where(s => (s - 1) % Count == Index);

    public bool IsWhole => Count == 1;

    public override string ToString() => $"{Index}/{Count}";
}
