using System.Text;

namespace SlotSharp.Tests.Fuzz;

/// <summary>A temp folder the fuzz regression tests write their reduced inputs into; deleted on dispose.</summary>
public sealed class FuzzInputFolder(string prefix) : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory(prefix).FullName;

    public string Write(string name, byte[] content)
    {
        var path = Path.Combine(Dir, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    public string Write(string name, string content) => Write(name, Encoding.UTF8.GetBytes(content));

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}
