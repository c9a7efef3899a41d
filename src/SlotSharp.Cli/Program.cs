using TorchSharp;
SlotSharp.Runtime.TorchRuntime.EnsureLoadable();
using var t = torch.ones(3) * 2;
System.Console.WriteLine(t.sum().item<float>());
