using System.Runtime.CompilerServices;

namespace SlotSharp.Tests;

/// <summary>
/// Makes libtorch loadable before any test touches a tensor: a rebuild copies the unpatched native library back (see
/// TorchRuntime's GLIBCXX fix), and tests that build tensors directly never pass through a backend's loader.
/// </summary>
internal static class TorchLoad
{
    [ModuleInitializer]
    internal static void Init() => SlotSharp.Runtime.TorchRuntime.EnsureLoadable();
}
