"""Side check of benchmarks/results/autoencoder_vs_nmf.md: test MSE of the default
NonNegAutoencoder (k = 64, 5k MNIST rows, 100 L-BFGS-B iterations) at lower KL
sparsity weights. Run: python benchmarks/autoencoder_sparsity_weight.py"""
import sys, pathlib; sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
import numpy as np, warnings, time
from threadpoolctl import threadpool_limits
threadpool_limits(1)
warnings.simplefilter("ignore")
from sknonneg import NonNegAutoencoder
from sknonneg.datasets import load_mnist
Xtr, Xte, ytr, yte = load_mnist(return_X_y=True)
rng = np.random.RandomState(0)
Xtr = Xtr[rng.choice(60000, 5000, replace=False)].astype(np.float32) / 255
Xte = Xte[rng.choice(10000, 2000, replace=False)].astype(np.float32) / 255
for beta in [0.3, 0.0]:
    t = time.perf_counter()
    ae = NonNegAutoencoder(64, sparsity_weight=beta, max_iter=100, dtype="float32", random_state=0).fit(Xtr)
    mse = np.mean((Xte - ae.inverse_transform(ae.transform(Xte))) ** 2)
    print(f"beta={beta} test mse={mse:.5f} fit={time.perf_counter()-t:.1f}s", flush=True)
