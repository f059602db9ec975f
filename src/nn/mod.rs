//! Neural-network layers, losses, initialisation and LeNet-5.
