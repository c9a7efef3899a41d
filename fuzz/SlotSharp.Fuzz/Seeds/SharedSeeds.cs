namespace SlotSharp.Fuzz.Seeds;

/// <summary>Reads seed files from the shared test assets (../shared next to the repository, or SLOTSHARP_SHARED).</summary>
public sealed class SharedSeeds(string root)
{
    public string Root { get; } = root;

    /// <summary>The shared folder, or null when it cannot be found.</summary>
    public static string? Locate()
    {
        var env = Environment.GetEnvironmentVariable("SLOTSHARP_SHARED");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env)) return env;
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "SlotSharp.slnx")))
                {
                    var shared = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared"));
                    if (Directory.Exists(shared)) return shared;
                }
        return null;
    }

    public string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    public byte[] Bytes(params string[] parts) => File.ReadAllBytes(PathOf(parts));

    public string Text(params string[] parts) => File.ReadAllText(PathOf(parts));

    /// <summary>The first <paramref name="count"/> lines of a JSON Lines file, newline-terminated.</summary>
    public byte[] FirstLines(int count, params string[] parts) =>
        System.Text.Encoding.UTF8.GetBytes(string.Join("\n", File.ReadLines(PathOf(parts)).Take(count)) + "\n");
}
